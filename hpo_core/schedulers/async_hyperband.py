"""Asynchronous successive halving (ASHA): stop a trial at a rung when it is below the rung's top 1/rf."""
from __future__ import annotations

import bisect
import math
from typing import Any

import numpy as np

from ..enums import Decision
from ..errors import AsktellTypeError, AsktellValueError
from ..trial import Trial
from .base import WORST, TrialScheduler


def check_number(owner: str, name: str, value: Any, *, minimum: float, integer: bool = False,
                 strict: bool = False) -> None:
    """Raise a typed error naming `name` unless `value` is a number (an int if `integer`) >= / > `minimum`."""
    kinds = (int, np.integer) if integer else (int, float, np.integer, np.floating)
    if isinstance(value, bool) or not isinstance(value, kinds):
        raise AsktellTypeError(f"{owner}: `{name}` must be {'an int' if integer else 'a number'}, but got {value!r}")
    if not math.isfinite(value) or value < minimum or (strict and value == minimum):
        raise AsktellValueError(f"{owner}: `{name}` must be {'>' if strict else '>='} {minimum}, but got {value!r}")



def check_rung_arguments(name: str, max_t: float, grace_period: float, reduction_factor: float, brackets: int) -> None:
    """The rung settings every asynchronous successive-halving scheduler shares, checked where they enter."""
    check_number(name, "grace_period", grace_period, minimum=0, strict=True)
    check_number(name, "max_t", max_t, minimum=grace_period)
    check_number(name, "reduction_factor", reduction_factor, minimum=1, strict=True)
    check_number(name, "brackets", brackets, minimum=1, integer=True)

def rung_milestones(grace_period: float, max_t: float, reduction_factor: float, s: int) -> list[float]:
    """Milestones grace·rf^k for k >= s that do not exceed max_t, ascending."""
    milestones = []
    k = s
    while grace_period * reduction_factor ** k <= max_t * (1 + 1e-12):
        milestones.append(grace_period * reduction_factor ** k)
        k += 1
    return milestones


class AsyncHyperBandScheduler(TrialScheduler):
    """ASHA: rungs at grace_period·reduction_factor^k (up to max_t).

    When a trial first reaches a rung, its score is recorded there; it is stopped if it is below the
    (1 − 1/reduction_factor) quantile (linear interpolation) of the scores recorded before it (the first trial at a
    rung continues). A worst score (NaN, or ±inf in the wrong direction) is stopped at any rung, even the first
    trial's, and never enters the cutoff other trials face. With `brackets` > 1 each new trial draws a
    bracket (bracket s starts at the rung grace·rf^s) from the experiment's generator, more rungs more likely.
    With `stop_last_trials` a trial is stopped once it reaches max_t.
    """

    requires_metric = True

    def __init__(self, time_attr: str = "training_iteration", metric: str | None = None, mode: str | None = None,
                 max_t: float = 100, grace_period: float = 1, reduction_factor: float = 4, brackets: int = 1,
                 stop_last_trials: bool = True):
        super().__init__(time_attr=time_attr, metric=metric, mode=mode)
        check_rung_arguments(type(self).__name__, max_t, grace_period, reduction_factor, brackets)
        self.max_t, self.grace_period, self.reduction_factor = max_t, grace_period, reduction_factor
        self.stop_last_trials = bool(stop_last_trials)
        # per bracket: ascending milestones and, per milestone, trial_id -> score recorded there
        self.brackets = [rung_milestones(grace_period, max_t, reduction_factor, s) for s in range(brackets)]
        self.recorded: list[list[dict[str, float]]] = [[{} for _ in rungs] for rungs in self.brackets]
        # the same scores without the worst ones (NaN, -inf), kept sorted, so a cutoff costs O(log n) to find instead of a sort per result
        self.sorted_scores: list[list[list[float]]] = [[[] for _ in rungs] for rungs in self.brackets]
        self.trial_bracket: dict[str, int] = {}
        sizes = np.array([len(rungs) for rungs in self.brackets], dtype=float)
        weights = np.exp(sizes - sizes.max())
        self._bracket_p = weights / weights.sum()  # a bracket's chance grows with its number of rungs

    def on_trial_add(self, trial: Trial) -> None:
        self.trial_bracket[trial.trial_id] = int(self.rng.choice(len(self.brackets), p=self._bracket_p))

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        if self.stop_last_trials and self._time(result) >= self.max_t:
            return Decision.STOP
        return self._on_rung_result(trial.trial_id, result)

    def on_trial_complete(self, trial: Trial, result: dict[str, Any] | None) -> None:
        if result and self.time_attr in result and self.metric in result:
            self._on_rung_result(trial.trial_id, result)
        self.trial_bracket.pop(trial.trial_id, None)

    def on_trial_remove(self, trial: Trial) -> None:
        self.trial_bracket.pop(trial.trial_id, None)

    def _on_rung_result(self, trial_id: str, result: dict[str, Any]) -> Decision:
        bracket = self.trial_bracket.get(trial_id)
        if bracket is None:
            return Decision.CONTINUE
        index = self._rung_reached(bracket, trial_id, self._time(result))
        if index is None:
            return Decision.CONTINUE
        return self._judge(bracket, index, trial_id, result)

    def _rung_reached(self, bracket: int, trial_id: str, now: float) -> int | None:
        """The highest rung of `bracket` that time `now` reached and that has not judged the trial yet, or None."""
        milestones, recorded = self.brackets[bracket], self.recorded[bracket]
        for index in reversed(range(len(milestones))):
            if now < milestones[index]:
                continue
            if trial_id in recorded[index]:
                if not self.stop_last_trials:
                    return None  # promoted here before; a trial that runs on past max_t is not judged again
                continue
            return index
        return None

    def _judge(self, bracket: int, index: int, trial_id: str, result: dict[str, Any]) -> Decision:
        """Record the trial's score at the rung; STOP when it is below the cutoff of the scores recorded before."""
        score = self._score(result)
        ordered = self.sorted_scores[bracket][index]
        cutoff = self._cutoff(ordered)
        self.recorded[bracket][index][trial_id] = score
        if score == WORST:
            return Decision.STOP
        bisect.insort(ordered, score)
        return Decision.STOP if cutoff is not None and score < cutoff else Decision.CONTINUE

    def _cutoff(self, ordered: list[float]) -> float | None:
        """The (1 - 1/rf) quantile of the sorted scores, linearly interpolated (numpy's default percentile)."""
        if not ordered:
            return None
        position = (1 - 1 / self.reduction_factor) * (len(ordered) - 1)
        low = math.floor(position)
        high = min(low + 1, len(ordered) - 1)
        if high == low or ordered[high] == ordered[low]:
            return ordered[low]  # also keeps inf - inf (NaN) out of the interpolation
        return ordered[low] + (position - low) * (ordered[high] - ordered[low])


ASHAScheduler = AsyncHyperBandScheduler
