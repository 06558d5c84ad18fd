"""`Problem`: a simulated problem (see `hpo_core.executors.simulated`) plus what a benchmark needs to score it."""
from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

import numpy as np

from hpo_core.executors.simulated import SimulatedTrainable


def stable_unit(config: dict[str, Any], salt: str = "") -> float:
    """A number in [0, 1) fixed by the config's text (unlike `hash`, equal across processes)."""
    text = salt + repr(sorted(config.items(), key=lambda item: str(item[0])))
    return zlib.crc32(text.encode()) / 2**32


class Problem(SimulatedTrainable):
    """One benchmark problem: a search space, the metric to optimise, and per config a curve of reports.

    `optimum` is the best value the metric can reach (known for synthetic functions and tables), so results are
    reported as simple regret `|best - optimum|`; None means "report the best value itself". `max_t` is the number
    of reports of a full run (1 for single-fidelity problems). `grid(budget)` returns a grid-search space of about
    `budget` points, or None where a grid makes no sense (high dimensions).
    """

    name = "problem"
    metric = "value"
    mode = "min"
    optimum: float | None = None
    max_t = 1
    mean_epoch_s = 1.0  # simulated seconds of an average report (sets the schedulers suite's time horizon)

    def space(self) -> dict[str, Any]:
        raise NotImplementedError

    def grid(self, budget: int) -> dict[str, Any] | None:
        return None

    def regret(self, best: float) -> float:
        """Simple regret of the best value found (or the value itself when the optimum is unknown)."""
        if self.optimum is None:
            return float(best)
        return abs(float(best) - self.optimum)

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None) -> Iterable[tuple]:
        raise NotImplementedError


class SingleFidelityProblem(Problem):
    """A problem with one report per config: `evaluate(config) -> value`, taking `duration(config)` seconds."""

    def evaluate(self, config: dict[str, Any]) -> float:
        raise NotImplementedError

    def duration(self, config: dict[str, Any]) -> float:
        """Simulated seconds of one evaluation: 0.5 to 1.5, fixed per config, so parallel runs are asynchronous."""
        return 0.5 + stable_unit(config, self.name)

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None) -> Iterable[tuple]:
        if start_iteration >= 1:
            return []
        return [(self.duration(config), {self.metric: self.evaluate(config)})]


def log_grid(low: float, high: float, points: int) -> list[float]:
    return [float(v) for v in np.geomspace(low, high, points)]


def lin_grid(low: float, high: float, points: int) -> list[float]:
    return [float(v) for v in np.linspace(low, high, points)]
