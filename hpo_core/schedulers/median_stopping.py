"""Median stopping rule: stop a trial whose best result is worse than the median of the others' running means."""
from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..enums import Decision, TrialStatus
from ..suggestion import ResumeRequest
from ..trial import Trial
from .async_hyperband import check_number
from .base import WORST, TrialScheduler


class MedianStoppingRule(TrialScheduler):
    """At time t (>= `grace_period`), a trial whose best score so far is below the median, over the other trials
    that reached t, of their running means from `grace_period` to t is stopped (`hard_stop`) or paused.

    With fewer than `min_samples_required` other trials at t the trial goes on; it yields (PAUSE) instead when other
    trials wait paused and it ran at least `min_time_slice` since its last pause. Paused trials are resumed, the
    longest-waiting first, once no new trial will start.

    Worst scores (NaN, ±inf in the wrong direction) are left out of the running means other trials are compared
    with; a trial whose every score so far is worst is stopped after the grace period (even with `hard_stop=False`:
    resuming it could not help).
    """

    requires_metric = True

    def __init__(self, time_attr: str = "time_total_s", metric: str | None = None, mode: str | None = None,
                 grace_period: float = 60.0, min_samples_required: int = 3, min_time_slice: float = 0,
                 hard_stop: bool = True):
        super().__init__(time_attr=time_attr, metric=metric, mode=mode)
        check_number("MedianStoppingRule", "grace_period", grace_period, minimum=0)
        check_number("MedianStoppingRule", "min_samples_required", min_samples_required, minimum=1, integer=True)
        check_number("MedianStoppingRule", "min_time_slice", min_time_slice, minimum=0)
        self.grace_period, self.min_samples_required = grace_period, min_samples_required
        self.min_time_slice, self.hard_stop = min_time_slice, bool(hard_stop)
        self.history: dict[str, _History] = {}
        self.last_pause: dict[str, float] = {}
        self.paused: list[str] = []  # in the order they were paused
        self.no_more_trials = False

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        trial_id = trial.trial_id
        if trial_id in self.paused:
            self.paused.remove(trial_id)
        now = self._time(result)
        history = self.history.setdefault(trial_id, _History())
        history.add(now, self._score(result))
        if now < self.grace_period:
            return Decision.CONTINUE
        if history.best == WORST and now > self.grace_period:
            return Decision.STOP
        means = [mean for other, seen in self.history.items() if other != trial_id and seen.times[-1] >= now
                 and (mean := seen.mean_between(self.grace_period, now)) is not None]
        if len(means) < self.min_samples_required:
            if self.paused and now - self.last_pause.get(trial_id, 0.0) > self.min_time_slice:
                return self._pause(trial_id, now)
            return Decision.CONTINUE
        median = float(np.median(means))
        if history.best < median and now > self.grace_period:
            return Decision.STOP if self.hard_stop else self._pause(trial_id, now)
        return Decision.CONTINUE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any] | None) -> None:
        self._forget_pause(trial.trial_id)
        if not result or self.metric not in result or self.time_attr not in result:
            return
        seen = self.history.setdefault(trial.trial_id, _History())
        now = self._time(result)
        if not seen.times or seen.times[-1] != now:  # the experiment hands over the last result told again
            seen.add(now, self._score(result))

    def on_trial_remove(self, trial: Trial) -> None:
        self._forget_pause(trial.trial_id)

    def on_no_more_trials(self) -> None:
        self.no_more_trials = True

    def next_resume(self, trials: Iterable[Trial]) -> ResumeRequest | None:
        if not self.no_more_trials or not self.paused:
            return None
        paused = {t.trial_id for t in trials if t.status is TrialStatus.PAUSED}
        for trial_id in list(self.paused):
            self.paused.remove(trial_id)
            if trial_id in paused:
                return ResumeRequest(trial_id)
        return None

    def _pause(self, trial_id: str, now: float) -> Decision:
        self.last_pause[trial_id] = now
        self.paused.append(trial_id)
        return Decision.PAUSE

    def _forget_pause(self, trial_id: str) -> None:
        if trial_id in self.paused:
            self.paused.remove(trial_id)



class _History:
    """One trial's (time, score) results with prefix sums and counts of its finite scores: the mean over a time
    window in O(log n). Worst scores (-inf) are left out of the mean; a +inf score makes it +inf."""

    __slots__ = ("best", "counts", "infinite", "sums", "times")

    def __init__(self) -> None:
        self.times: list[float] = []
        self.sums: list[float] = [0.0]
        self.counts: list[int] = [0]  # finite scores so far
        self.infinite: list[int] = [0]  # +inf scores so far
        self.best = WORST

    def add(self, time: float, score: float) -> None:
        finite = math.isfinite(score)
        self.times.append(time)
        self.sums.append(self.sums[-1] + (score if finite else 0.0))
        self.counts.append(self.counts[-1] + finite)
        self.infinite.append(self.infinite[-1] + (score == math.inf))
        self.best = max(self.best, score)

    def mean_between(self, start: float, end: float) -> float | None:
        """The mean of the scores between `start` and `end`, None when none of them is better than worst."""
        low, high = bisect.bisect_left(self.times, start), bisect.bisect_right(self.times, end)
        if self.infinite[high] > self.infinite[low]:
            return math.inf
        count = self.counts[high] - self.counts[low]
        return (self.sums[high] - self.sums[low]) / count if count else None
