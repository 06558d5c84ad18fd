"""Stop conditions: a `Stopper` per trial (and for the whole experiment), built from a dict, a function or a class."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from .errors import AsktellTypeError


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
    """`stop={"training_iteration": 10}`: stop a trial once `result[key] >= value` for any key."""

    def __init__(self, criteria: Mapping[str, float]):
        for key, value in criteria.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise AsktellTypeError(f"stop: the threshold for {key!r} must be a number, but got {value!r}")
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
