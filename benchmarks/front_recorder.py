"""`FrontRecorder`: the run's hypervolume so far (every result is a point), traced at each gain, for the
multi-objective suite. The trace rows have the single-objective recorder's keys: `best` is the hypervolume and
`regret` the share of the true front's hypervolume still missing."""
from __future__ import annotations

from typing import Any

import numpy as np

from hpo_core.callbacks import Callback
from hpo_core.executors.simulated import SimulatedExecutor
from hpo_core.pareto import pareto_mask, to_minimise

from .problems.multiobjective import MultiObjectiveMixin


class FrontRecorder(Callback):
    """Keeps the non-dominated results seen so far and their hypervolume against the problem's reference."""

    def __init__(self, problem: MultiObjectiveMixin, executor: SimulatedExecutor):
        self.problem, self.executor = problem, executor
        self.metric, self.mode = list(problem.metrics), list(problem.modes)
        self.front = np.zeros((0, len(self.metric)))  # minimised
        self.volume = 0.0
        self.results = 0
        self.finished = 0
        self.trace: list[dict[str, Any]] = []

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        self.results += 1
        point = to_minimise([[result[name] for name in self.metric]], self.mode)[0]
        if not np.isfinite(point).all() or (self.front <= point).all(axis=1).any():
            return  # dominated by (or equal to) a point already kept
        merged = np.vstack([self.front, point])
        self.front = merged[pareto_mask(merged)]
        volume = self.problem.hypervolume(to_minimise(self.front, self.mode))  # (flipping twice restores units)
        if volume > self.volume:
            self.volume = volume
            self.trace.append(self.row())

    def on_trial_complete(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self.finished += 1

    def empty(self) -> bool:
        return self.results == 0

    def row(self) -> dict[str, Any]:
        return {"evaluation": self.finished + (self.problem.max_t == 1), "epochs": self.results,
                "sim_time": self.executor.now(), "best": self.volume,
                "regret": 1.0 - self.volume / self.problem.true_hypervolume}
