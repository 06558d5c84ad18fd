"""Run one (problem, method, seed, workers) on the simulated clock through the library's own driver loop.

The run uses `hpo_core.driver.Driver`, the loop behind `hpo_core.run`, with no storage and no loggers: the
benchmark measures search quality and core overhead, not disk writes. The trace keeps one row per improvement of
the best value (plus the last result), which is all a best-so-far plot needs.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field
from typing import Any

from hpo_core import Experiment
from hpo_core.callbacks import Callback, CallbackList
from hpo_core.driver import Driver
from hpo_core.executors.simulated import SimulatedExecutor

from .methods import Setup
from .problems import Problem


@dataclass
class RunResult:
    trace: list[dict[str, Any]]  # evaluation, epochs, sim_time, best, regret: at each improvement and at the end
    final_regret: float
    sim_time: float
    epochs: int  # reports received = epochs trained (single-fidelity: evaluations)
    trials: int
    wall_s: float
    extra: dict[str, Any] = field(default_factory=dict)


class _Recorder(Callback):
    """Collects the best-so-far curve in the order results arrive."""

    def __init__(self, problem: Problem, executor: SimulatedExecutor):
        self.problem, self.executor = problem, executor
        self.metric, self.mode = problem.metric, problem.mode  # what the experiment optimises
        self.sign = 1.0 if problem.mode == "min" else -1.0
        self.best = math.inf
        self.results = 0
        self.finished = 0
        self.trace: list[dict[str, Any]] = []

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        self.results += 1
        value = self.sign * float(result[self.problem.metric])
        if value < self.best:
            self.best = value
            self.trace.append(self.row())

    def on_trial_complete(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self.finished += 1

    def empty(self) -> bool:
        return self.best == math.inf

    def row(self) -> dict[str, Any]:
        best = self.sign * self.best
        return {"evaluation": self.finished + (self.problem.max_t == 1), "epochs": self.results,
                "sim_time": self.executor.now(), "best": best, "regret": self.problem.regret(best)}


def run_once(problem: Problem, setup: Setup, *, seed: int, workers: int, num_samples: int,
             time_budget_s: float | None = None, recorder: type[Callback] = _Recorder) -> RunResult:
    """Run one experiment to its end on `workers` simulated workers; deterministic for a seed. `recorder` is the
    callback class that traces the run (`recorder(problem, executor)`: `metric`, `mode`, `empty()`, `row()`)."""
    executor = SimulatedExecutor(workers)
    recorder = recorder(problem, executor)
    experiment = Experiment(
        setup.space, metric=recorder.metric, mode=recorder.mode,
        num_samples=setup.num_samples or num_samples, search_alg=setup.searcher, scheduler=setup.scheduler,
        seed=seed, time_budget_s=time_budget_s, clock=executor.now, trainable_name=problem.name,
    )
    executor.setup(problem)
    started = time.perf_counter()
    logger = logging.getLogger("asktell")
    level = logger.level
    logger.setLevel(logging.ERROR)  # library warnings would break the progress bar
    try:
        Driver(experiment, executor, CallbackList([recorder])).run()
    finally:
        logger.setLevel(level)
    wall = time.perf_counter() - started
    if recorder.empty():
        raise RuntimeError(f"{problem.name}: no trial reported {problem.metric!r}")
    last = recorder.row()
    last["evaluation"] = recorder.finished
    if not recorder.trace or recorder.trace[-1] != last:
        recorder.trace.append(last)
    return RunResult(recorder.trace, last["regret"], executor.now(), recorder.results, len(experiment.trials),
                     wall, {"busy_seconds": executor.busy_seconds})
