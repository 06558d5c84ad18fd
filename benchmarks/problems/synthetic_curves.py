"""A parametric multi-fidelity problem made to be hard: good configs are rare (under 1% of the space), so only a
search that screens many configs cheaply finds them in time: the regime of the ASHA paper. Early epochs rank
configs roughly as the last ones do, with crossings from the differing learning speeds."""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from hpo_core import uniform

from .base import Problem, stable_unit

_CENTRE = (0.7, 0.6, 0.3, 0.5)
_START = 0.9


class SyntheticCurvesProblem(Problem):
    """Validation error per epoch, `max_t` epochs: `final + (0.9 - final) * exp(-epoch / tau)` plus a small noise
    fixed by (config, epoch). `final` is 0.05 within radius 0.2 of a centre in [0, 1]^4 and rises to 0.5 away from
    it; `tau` (2 to 8 epochs) grows with `x1`, so some curves cross; an epoch takes 1 + 4 * `x2` simulated seconds."""

    name = "curves-hard"
    metric = "val_error"
    mean_epoch_s = 3.0

    def __init__(self, max_t: int = 81):
        self.max_t = max_t
        self.optimum = 0.05

    def space(self) -> dict[str, Any]:
        return {f"x{i}": uniform(0.0, 1.0) for i in range(4)}

    def final(self, config: dict[str, Any]) -> float:
        distance = sum((config[f"x{i}"] - c) ** 2 for i, c in enumerate(_CENTRE))
        return 0.05 + 0.45 * (1.0 - math.exp(-max(distance - 0.04, 0.0) / 0.05))

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None) -> Iterable[tuple]:
        final = self.final(config)
        tau = 2.0 + 6.0 * config["x1"]
        seconds = 1.0 + 4.0 * config["x2"]
        salt = stable_unit(config, self.name)
        for epoch in range(start_iteration + 1, self.max_t + 1):
            noise = 0.01 * (math.sin(997.0 * salt + 7.3 * epoch) * 0.5)
            error = final + (_START - final) * math.exp(-epoch / tau) + noise
            yield seconds, {self.metric: max(error, self.optimum)}
