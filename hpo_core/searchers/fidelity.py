"""`Fidelity`: the resource a multi-fidelity scheduler measures trials in, and the levels it compares them at."""
from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import AsktellTypeError, AsktellValueError


@dataclass(frozen=True)
class Fidelity:
    """Trials report `time_attr` (epochs, seconds, ...); the scheduler compares them at the ascending `rungs`, the
    last of which is `max_t` or below it.

    Args:
        time_attr: the result field that measures the resource.
        rungs: the ascending resource levels at which trials are compared.
        reduction_factor: η, the ratio of successive rungs (a searcher's default population sizes follow it).

    ```
    Fidelity.geometric(time_attr="epoch", grace_period=1, max_t=81, reduction_factor=3).rungs   # (1, 3, 9, 27, 81)
    ```
    """

    time_attr: str
    rungs: tuple[float, ...]
    reduction_factor: float = 3.0

    def __post_init__(self):
        if not isinstance(self.time_attr, str) or not self.time_attr:
            raise AsktellTypeError(f"Fidelity: `time_attr` must be a non-empty string, but got {self.time_attr!r}")
        rungs = tuple(float(r) for r in self.rungs)
        if not rungs or any(not math.isfinite(r) or r <= 0 for r in rungs) or list(rungs) != sorted(set(rungs)):
            raise AsktellValueError(f"Fidelity: `rungs` must be ascending numbers > 0, but got {self.rungs!r}")
        if not self.reduction_factor > 1:
            raise AsktellValueError(f"Fidelity: `reduction_factor` must be > 1, but got {self.reduction_factor!r}")
        object.__setattr__(self, "rungs", rungs)

    @property
    def max_t(self) -> float:
        return self.rungs[-1]

    @classmethod
    def geometric(cls, *, time_attr: str = "training_iteration", grace_period: float = 1, max_t: float = 81,
                  reduction_factor: float = 3) -> Fidelity:
        """Rungs grace_period·η^k up to max_t, with max_t itself as the last rung."""
        if not grace_period > 0 or not max_t >= grace_period or not reduction_factor > 1:
            raise AsktellValueError(
                f"Fidelity.geometric needs 0 < grace_period <= max_t and reduction_factor > 1, but got "
                f"grace_period={grace_period!r}, max_t={max_t!r}, reduction_factor={reduction_factor!r}")
        rungs = []
        level = float(grace_period)
        while level < max_t * (1 - 1e-9):
            rungs.append(level)
            level *= reduction_factor
        rungs.append(float(max_t))
        return cls(time_attr, tuple(rungs), float(reduction_factor))

    def rung_index(self, level: float) -> int:
        """The index of the highest rung at or below `level` (-1 below the first rung)."""
        index = -1
        for i, rung in enumerate(self.rungs):
            if level >= rung - 1e-9:
                index = i
        return index
