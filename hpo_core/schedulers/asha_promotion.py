"""ASHA's promotion variant (Li et al., MLSys 2020, Algorithm 2): trials pause at each rung and are promoted later.

`AsyncHyperBandScheduler` is the stopping variant (Ray Tune's): a trial below the rung's cutoff when it arrives is
stopped for good. Here a trial that reaches a rung is recorded there and paused; whenever a worker asks for work,
the best paused trial that is now in the top ⌊n/η⌋ of the n trials recorded at its rung is promoted (resumed),
highest rungs first, and only when none is promotable does a new trial start. A trial that is already in the top
⌊n/η⌋ when it arrives goes straight on, which is the promotion it would get at the next ask, without the pause.
"""
from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..enums import Decision
from ..searchers.fidelity import Fidelity
from ..suggestion import ResumeRequest
from ..trial import Trial
from .async_hyperband import check_rung_arguments, rung_milestones
from .base import WORST, TrialScheduler


class _Rung:
    """The trials recorded at one rung: all scores sorted (for ranks) and the paused ones, best first."""

    __slots__ = ("count", "paused", "scores")

    def __init__(self):
        self.count = 0  # trials recorded here, NaN scores included
        self.scores: list[float] = []  # the non-NaN scores, ascending
        self.paused: list[tuple[float, int, str]] = []  # heap of (-score, arrival, trial_id) waiting for promotion

    def record(self, score: float) -> None:
        self.count += 1
        if score != WORST and not math.isnan(score):
            bisect.insort(self.scores, score)

    def promotable(self, score: float, eta: float) -> bool:
        """The score is among the top ⌊count/η⌋ recorded here (NaN, the worst score, never is)."""
        if math.isnan(score) or score == WORST:
            return False
        better = len(self.scores) - bisect.bisect_right(self.scores, score)
        return better < math.floor(self.count / eta)


class ASHAPromotionScheduler(TrialScheduler):
    """Asynchronous successive halving, promotion type; see the module docstring.

    Args:
        time_attr, metric, mode: as for `AsyncHyperBandScheduler`.
        max_t: the resource a trial is trained to at most; a trial reaching it is stopped.
        grace_period: the first rung.
        reduction_factor: η: rungs at grace_period·η^k, the top 1/η of a rung is promoted.
        brackets: brackets s = 0..brackets-1 start at rung grace_period·η^s; each new trial draws one from the
            experiment's generator (more rungs, more likely), as in `AsyncHyperBandScheduler`.

    ```
    from hpo_core import run
    from hpo_core.schedulers import ASHAPromotionScheduler
    run(trainable, config=space, metric="loss", mode="min", num_samples=200,
        scheduler=ASHAPromotionScheduler(max_t=81, grace_period=1, reduction_factor=3))
    ```
    Paused trials need checkpoints to resume where they stopped (otherwise they rerun from the start).
    """

    requires_metric = True

    def __init__(self, time_attr: str = "training_iteration", metric: str | None = None, mode: str | None = None,
                 *, max_t: float = 100, grace_period: float = 1, reduction_factor: float = 4, brackets: int = 1):
        super().__init__(time_attr=time_attr, metric=metric, mode=mode)
        check_rung_arguments(type(self).__name__, max_t, grace_period, reduction_factor, brackets)
        self.max_t, self.grace_period, self.reduction_factor = max_t, grace_period, reduction_factor
        # per bracket, the milestones below max_t where trials pause, and one `_Rung` per milestone
        self.milestones = [[m for m in rung_milestones(grace_period, max_t, reduction_factor, s) if m < max_t]
                           for s in range(brackets)]
        self.rungs = [[_Rung() for _ in levels] for levels in self.milestones]
        self._order = sorted(((index, bracket) for bracket, levels in enumerate(self.milestones)
                              for index in range(len(levels))), reverse=True)  # highest rungs first
        self.trial_bracket: dict[str, int] = {}
        self.trial_rung: dict[str, int] = {}  # highest rung index recorded per trial
        self.waiting: dict[str, tuple[int, int]] = {}  # paused trial -> (bracket, rung) whose heap holds it
        self.arrivals = 0
        self.next_bracket: int | None = None
        self.no_more_trials = False

    def fidelity(self) -> Fidelity:
        """The rungs of the first bracket and max_t, for a multi-fidelity searcher."""
        levels = tuple(float(m) for m in self.milestones[0]) + (float(self.max_t),)
        return Fidelity(self.time_attr, levels, float(self.reduction_factor))

    def next_trial_level(self) -> float:
        """The first rung of the bracket the next new trial will go to (drawn now, kept for `on_trial_add`)."""
        if self.next_bracket is None:
            self.next_bracket = self._draw_bracket()
        levels = self.milestones[self.next_bracket]
        return float(levels[0]) if levels else float(self.max_t)

    def _draw_bracket(self) -> int:
        if len(self.milestones) == 1:
            return 0
        sizes = np.array([len(levels) for levels in self.milestones], dtype=float)
        weights = np.exp(sizes - sizes.max())
        return int(self.rng.choice(len(self.milestones), p=weights / weights.sum()))

    # --- hooks -----------------------------------------------------------------------------------------------
    def on_trial_add(self, trial: Trial) -> None:
        bracket = self.next_bracket if self.next_bracket is not None else self._draw_bracket()
        self.next_bracket = None
        self.trial_bracket[trial.trial_id] = bracket

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        trial_id = trial.trial_id
        self.waiting.pop(trial_id, None)  # running again (resumed here or by the experiment): no longer waiting
        now = self._time(result)
        if now >= self.max_t:
            return Decision.STOP
        bracket = self.trial_bracket.get(trial_id)
        if bracket is None:
            return Decision.CONTINUE
        levels = self.milestones[bracket]
        index = bisect.bisect_right(levels, now) - 1  # the highest rung reached
        if index <= self.trial_rung.get(trial_id, -1):
            return Decision.CONTINUE
        self.trial_rung[trial_id] = index
        rung, score = self.rungs[bracket][index], self._score(result)
        rung.record(score)
        if rung.promotable(score, self.reduction_factor):
            return Decision.CONTINUE
        self.arrivals += 1
        heapq.heappush(rung.paused, (math.inf if math.isnan(score) else -score, self.arrivals, trial_id))
        self.waiting[trial_id] = (bracket, index)
        return Decision.PAUSE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any] | None) -> None:
        self.on_trial_remove(trial)

    def on_trial_remove(self, trial: Trial) -> None:
        self.trial_bracket.pop(trial.trial_id, None)
        self.trial_rung.pop(trial.trial_id, None)
        self.waiting.pop(trial.trial_id, None)

    def on_no_more_trials(self) -> None:
        self.no_more_trials = True

    def next_resume(self, trials: Iterable[Trial]) -> ResumeRequest | None:
        """The best paused trial now in its rung's top 1/η, highest rungs first; with no new trials to come, the
        best paused trial of the highest rung anyway (so the last trials are not left waiting)."""
        for index, bracket in self._order:
            rung = self.rungs[bracket][index]
            head = self._head(rung, (bracket, index))
            if head is not None and (self.no_more_trials or rung.promotable(-head[0], self.reduction_factor)):
                heapq.heappop(rung.paused)
                del self.waiting[head[2]]
                return ResumeRequest(head[2])
        return None

    def _head(self, rung: _Rung, where: tuple[int, int]) -> tuple[float, int, str] | None:
        """The best trial still waiting at this rung (entries of trials that left or resumed are dropped)."""
        while rung.paused and self.waiting.get(rung.paused[0][2]) != where:
            heapq.heappop(rung.paused)
        return rung.paused[0] if rung.paused else None
