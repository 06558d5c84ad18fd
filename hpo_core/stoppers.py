"""Stop conditions: a `Stopper` per trial (and for the whole experiment), built from a dict, a function or a class."""
from __future__ import annotations

import datetime
import math
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .errors import AsktellTypeError, AsktellValueError


class Stopper:
    """Decides from each result whether its trial stops (`__call__`) and whether the experiment ends (`stop_all`)."""

    def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
        return False

    def stop_all(self) -> bool:
        return False


class FunctionStopper(Stopper):
    """`stop=fn`: `fn(trial_id, result)` returns True to stop the trial."""

    def __init__(self, fn: Callable[[str, dict[str, Any]], bool]):
        self.fn = fn

    def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
        return bool(self.fn(trial_id, result))


class DictStopper(Stopper):
    """`stop={"training_iteration": 10}`: stop a trial once `result[key] >= value` for any key (a bool threshold,
    such as Ray Tune's `{"done": True}`, compares as 0/1)."""

    def __init__(self, criteria: Mapping[str, float]):
        for key, value in criteria.items():
            if not isinstance(value, (int, float)):
                raise AsktellTypeError(f"stop: the threshold for {key!r} must be a number or bool, but got {value!r}")
        self.criteria = dict(criteria)

    def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
        for key, value in self.criteria.items():
            reached = result.get(key)
            if reached is not None and reached >= value:
                return True
        return False


def as_stopper(stop: Any) -> Stopper | None:
    """Turn `run(stop=...)` into a Stopper: None, a Stopper, a dict of thresholds or a function."""
    if stop is None or isinstance(stop, Stopper):
        return stop
    if isinstance(stop, Mapping):
        return DictStopper(stop)
    if callable(stop):
        return FunctionStopper(stop)
    raise AsktellTypeError(f"`stop` must be a dict, a function or a Stopper, but got {stop!r}")


def _check_positive(kind: str, name: str, value: Any, *, integer: bool = False, allow_zero: bool = False) -> None:
    types = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, types) or value < 0 or (value == 0 and not allow_zero):
        want = "an int" if integer else "a number"
        raise AsktellValueError(f"{kind}: `{name}` must be {want} {'>=' if allow_zero else '>'} 0, but got {value!r}")


class MaximumIterationStopper(Stopper):
    """Stops each trial at its `max_iter`-th result."""

    def __init__(self, max_iter: int):
        _check_positive("MaximumIterationStopper", "max_iter", max_iter, integer=True)
        self.max_iter = int(max_iter)
        self._iterations: dict[str, int] = {}

    def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
        count = self._iterations.get(trial_id, 0) + 1
        self._iterations[trial_id] = count
        return count >= self.max_iter


class TrialPlateauStopper(Stopper):
    """Stops a trial whose last `num_results` values of `metric` have a standard deviation below `std`.

    Not before its `grace_period`-th result; with `metric_threshold` (and `mode`) only once the metric is at least
    that good.
    """

    def __init__(self, metric: str, *, std: float = 0.01, num_results: int = 4, grace_period: int = 4,
                 metric_threshold: float | None = None, mode: str | None = None):
        if not isinstance(metric, str) or not metric:
            raise AsktellTypeError(f"TrialPlateauStopper: `metric` must be a non-empty string, but got {metric!r}")
        _check_positive("TrialPlateauStopper", "std", std)
        _check_positive("TrialPlateauStopper", "num_results", num_results, integer=True)
        _check_positive("TrialPlateauStopper", "grace_period", grace_period, integer=True, allow_zero=True)
        if metric_threshold is not None and mode not in ("min", "max"):
            raise AsktellValueError(f"TrialPlateauStopper: `metric_threshold` needs mode 'min' or 'max', got {mode!r}")
        self.metric, self.std, self.num_results = metric, float(std), int(num_results)
        self.grace_period, self.metric_threshold, self.mode = int(grace_period), metric_threshold, mode
        self._values: dict[str, deque[float]] = {}
        self._iterations: dict[str, int] = {}

    def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
        value = result.get(self.metric)
        if value is None:
            return False
        values = self._values.setdefault(trial_id, deque(maxlen=self.num_results))
        values.append(float(value))
        self._iterations[trial_id] = count = self._iterations.get(trial_id, 0) + 1
        if count < self.grace_period or len(values) < self.num_results:
            return False
        if self.metric_threshold is not None:
            worse = value > self.metric_threshold if self.mode == "min" else value < self.metric_threshold
            if worse:
                return False
        return bool(np.std(values) < self.std)


class TimeoutStopper(Stopper):
    """Ends the whole experiment `timeout` seconds (a number or a `timedelta`) after it was constructed.

    `clock` (default `time.monotonic`) can be replaced, e.g. by a simulated executor's clock or in tests.
    """

    def __init__(self, timeout: float | datetime.timedelta, *, clock: Callable[[], float] = time.monotonic):
        if isinstance(timeout, datetime.timedelta):
            timeout = timeout.total_seconds()
        _check_positive("TimeoutStopper", "timeout", timeout)
        self.timeout = float(timeout)
        self.clock = clock
        self.started_at = clock()

    def stop_all(self) -> bool:
        return self.clock() - self.started_at >= self.timeout


class ExperimentPlateauStopper(Stopper):
    """Ends the experiment once the best `top` values of `metric` over all results have a standard deviation at most
    `std`, for `patience` further results in a row."""

    def __init__(self, metric: str, *, std: float = 0.001, top: int = 10, mode: str = "min", patience: int = 0):
        if not isinstance(metric, str) or not metric:
            raise AsktellTypeError(f"ExperimentPlateauStopper: `metric` must be a non-empty string, got {metric!r}")
        if mode not in ("min", "max"):
            raise AsktellValueError(f"ExperimentPlateauStopper: `mode` must be 'min' or 'max', but got {mode!r}")
        _check_positive("ExperimentPlateauStopper", "std", std, allow_zero=True)
        _check_positive("ExperimentPlateauStopper", "top", top, integer=True)
        if top < 2:
            raise AsktellValueError(f"ExperimentPlateauStopper: `top` must be >= 2, but got {top!r}")
        _check_positive("ExperimentPlateauStopper", "patience", patience, integer=True, allow_zero=True)
        self.metric, self.std, self.top, self.mode, self.patience = metric, float(std), int(top), mode, int(patience)
        self._top_values: list[float] = []
        self._plateau_results = 0

    def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
        value = result.get(self.metric)
        if value is not None and not math.isnan(float(value)):
            values = sorted([*self._top_values, float(value)])
            self._top_values = values[: self.top] if self.mode == "min" else values[-self.top:]
        self._plateau_results = self._plateau_results + 1 if self.has_plateaued() else 0
        return self.stop_all()

    def has_plateaued(self) -> bool:
        return len(self._top_values) == self.top and float(np.std(self._top_values)) <= self.std

    def stop_all(self) -> bool:
        return self.has_plateaued() and self._plateau_results > self.patience


class CombinedStopper(Stopper):
    """Stops a trial (or the experiment) when any of its stoppers does; every stopper sees every result."""

    def __init__(self, *stoppers: Stopper):
        for stopper in stoppers:
            if not isinstance(stopper, Stopper):
                raise AsktellTypeError(f"CombinedStopper takes Stopper objects, but got {stopper!r}")
        self.stoppers = stoppers

    def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
        stops = [stopper(trial_id, result) for stopper in self.stoppers]  # each one sees every result
        return any(stops)

    def stop_all(self) -> bool:
        return any(stopper.stop_all() for stopper in self.stoppers)
