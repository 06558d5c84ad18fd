"""Synchronous HyperBand: brackets of successive halving; trials wait (PAUSE) at each milestone for their bracket."""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ..enums import Decision, TrialStatus
from ..suggestion import ResumeRequest
from ..trial import Trial
from .async_hyperband import check_number
from .base import TrialScheduler


@dataclass
class _Bracket:
    """One successive-halving bracket: `n` slots, the current milestone `r`, `halves` halvings left."""

    s: int
    n: int
    r: float
    halves: int
    live: dict[str, tuple[float, float] | None] = field(default_factory=dict)  # trial_id -> (time, score)
    halved: bool = False
    added: int = 0  # trials ever placed here: a trial that leaves does not open its slot to a newcomer

    def at_milestone(self, trial_id: str) -> bool:
        seen = self.live[trial_id]
        return seen is not None and seen[0] >= self.r

    def all_at_milestone(self) -> bool:
        return bool(self.live) and all(self.at_milestone(t) for t in self.live)


class HyperBandScheduler(TrialScheduler):
    """HyperBand (Li et al.) run synchronously.

    Band: brackets s = 0..s_max (s_max + 1 = round(log_η max_t) + 1); bracket s takes
    n0(s) = ceil((s_max+1)/(s+1)·η^s) new trials, in order of arrival, and gives them r0(s) = int(max_t·η^−s) first.
    A trial reaching its bracket's milestone is paused until every live trial of the bracket got there; then the
    top ⌈n/η⌉ go on to milestone r·η (max_t at the last stage) — the one that arrived last continues, paused ones come back
    through `next_resume` — and the rest are stopped. A bracket still taking trials waits for them unless no new trial
    will come (`on_no_more_trials`); a failed or removed trial leaves its bracket, so nothing waits for it.
    With `stop_last_trials` a trial stops at the last milestone; without it, the last survivors run on.
    """

    requires_metric = True

    def __init__(self, time_attr: str = "training_iteration", metric: str | None = None, mode: str | None = None,
                 max_t: float = 81, reduction_factor: float = 3, stop_last_trials: bool = True):
        super().__init__(time_attr=time_attr, metric=metric, mode=mode)
        check_number("HyperBandScheduler", "max_t", max_t, minimum=1)
        check_number("HyperBandScheduler", "reduction_factor", reduction_factor, minimum=1, strict=True)
        self.max_t, self.eta, self.stop_last_trials = max_t, reduction_factor, bool(stop_last_trials)
        self.s_max_1 = round(math.log(max_t) / math.log(reduction_factor)) + 1
        self.brackets: list[_Bracket] = []  # every bracket ever opened, band after band
        self.band_position = 0  # s of the next bracket to open
        self.trial_bracket: dict[str, int] = {}
        self.to_resume: list[str] = []
        self.to_stop: list[str] = []
        self.dropped: set[str] = set()  # stopped by a halving while not paused
        self.no_more_trials = False

    # --- bracket sizes ---------------------------------------------------------------------------------------
    def bracket_size(self, s: int) -> tuple[int, float]:
        """(n0, r0) of bracket s: its number of trials and its first milestone."""
        eta = Fraction(self.eta)
        n0 = math.ceil(Fraction(self.s_max_1, s + 1) * eta ** s)
        r0 = Fraction(self.max_t) / eta ** s
        return n0, int(r0)

    def _open_bracket(self) -> _Bracket:
        while True:
            s = self.band_position
            self.band_position = (s + 1) % self.s_max_1
            n0, r0 = self.bracket_size(s)
            if r0 > 0:  # a bracket whose first milestone rounds to 0 is skipped
                bracket = _Bracket(s=s, n=n0, r=r0, halves=s)
                self.brackets.append(bracket)
                return bracket

    def _accepting(self, index: int) -> bool:
        """The bracket still takes new trials: it is the newest, not full, never halved, and more trials may come."""
        bracket = self.brackets[index]
        return (index == len(self.brackets) - 1 and not self.no_more_trials and not bracket.halved
                and bracket.added < bracket.n)

    # --- hooks -----------------------------------------------------------------------------------------------
    def on_trial_add(self, trial: Trial) -> None:
        if not self.brackets or not self._accepting(len(self.brackets) - 1):
            self._open_bracket()
        self.brackets[-1].live[trial.trial_id] = None
        self.brackets[-1].added += 1
        self.trial_bracket[trial.trial_id] = len(self.brackets) - 1

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        index = self.trial_bracket.get(trial.trial_id)
        if index is None:
            return Decision.STOP if trial.trial_id in self.dropped else Decision.CONTINUE
        bracket = self.brackets[index]
        if trial.trial_id in self.to_resume:
            self.to_resume.remove(trial.trial_id)
        bracket.live[trial.trial_id] = (self._time(result), self._score(result))
        if bracket.halves == 0:
            if self.stop_last_trials and bracket.at_milestone(trial.trial_id):
                return Decision.STOP
            return Decision.CONTINUE
        if not bracket.at_milestone(trial.trial_id):
            return Decision.CONTINUE
        return self._process(index, current=trial.trial_id)

    def on_trial_complete(self, trial: Trial, result: dict[str, Any] | None) -> None:
        self.on_trial_remove(trial)

    def on_trial_remove(self, trial: Trial) -> None:
        index = self.trial_bracket.pop(trial.trial_id, None)
        self.dropped.discard(trial.trial_id)
        for queue in (self.to_resume, self.to_stop):
            if trial.trial_id in queue:
                queue.remove(trial.trial_id)
        if index is not None:
            self.brackets[index].live.pop(trial.trial_id, None)
            self._process(index, current=None)

    def on_no_more_trials(self) -> None:
        self.no_more_trials = True
        for index in range(len(self.brackets)):
            self._process(index, current=None)

    def next_resume(self, trials: Iterable[Trial]) -> ResumeRequest | None:
        if not self.to_resume:
            return None
        paused = {t.trial_id for t in trials if t.status is TrialStatus.PAUSED}
        while self.to_resume:
            trial_id = self.to_resume.pop(0)
            if trial_id in paused:
                return ResumeRequest(trial_id)
        return None

    def pop_trials_to_stop(self) -> list[str]:
        stopped, self.to_stop = self.to_stop, []
        return stopped

    # --- successive halving ----------------------------------------------------------------------------------
    def _process(self, index: int, *, current: str | None) -> Decision:
        """Halve the bracket while all its live trials are at the milestone; the decision for `current`."""
        bracket = self.brackets[index]
        decision = Decision.PAUSE
        while bracket.halves > 0 and bracket.all_at_milestone() and not self._accepting(index):
            bracket.halves -= 1
            bracket.halved = True
            bracket.n = math.ceil(bracket.n / self.eta)
            # the last stage runs to max_t (Li et al.); Ray's int(max_t·η^−s)·η^k stops short when max_t is no power
            bracket.r = self.max_t if bracket.halves == 0 else min(bracket.r * self.eta, self.max_t)
            ranked = self._rank(bracket.live)
            # a survivor that already reached max_t before it was paused has nothing left to run: it stops too
            done = [t for t in ranked[: bracket.n] if t != current and bracket.halves == 0
                    and self.stop_last_trials and bracket.at_milestone(t)]
            for trial_id in ranked[bracket.n:] + done:
                del bracket.live[trial_id]
                self.trial_bracket.pop(trial_id, None)
                if trial_id == current:
                    decision = Decision.STOP
                else:
                    if trial_id in self.to_resume:
                        self.to_resume.remove(trial_id)
                    self.to_stop.append(trial_id)
                    self.dropped.add(trial_id)
            for trial_id in ranked[: bracket.n]:
                if trial_id == current:
                    decision = Decision.CONTINUE
                elif trial_id not in self.to_resume and trial_id not in done:
                    self.to_resume.append(trial_id)
        if (current is not None and bracket.halves == 0 and decision is Decision.CONTINUE
                and self.stop_last_trials and bracket.at_milestone(current)):
            decision = Decision.STOP
        return decision

    def _rank(self, live: dict[str, tuple[float, Any] | None]) -> list[str]:
        """The bracket's live trials, best first (by their latest score)."""
        return sorted(live, key=lambda t: _sort_key(live[t]), reverse=True)


def _sort_key(seen: tuple[float, float] | None) -> float:
    """Larger is better; NaN scores rank last."""
    if seen is None or np.isnan(seen[1]):
        return -math.inf
    return seen[1]
