"""The scheduler contract: a pure state machine that turns results into decisions.

A scheduler sees trial records (id, config, status, results, whether a checkpoint exists) and answers with a
`Decision`. It never touches an executor, a process or a file. To run a paused trial again (synchronous HyperBand),
or to restart one from another trial's checkpoint with a new config (PBT), it returns a `ResumeRequest` from
`next_resume`, which `Experiment.ask()` turns into a `Suggestion` for whatever executor runs the trials.
"""
from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..enums import Decision
from ..errors import AsktellValueError
from ..objectives import check_modes, refuse_several
from ..searchers.base import adopt_metric_mode
from ..suggestion import ResumeRequest
from ..trial import Trial

_CONTINUE = Decision.CONTINUE  # a module constant: enum attribute access is slow on Python 3.11
WORST = -math.inf  # the oriented score of NaN and of ±inf in the wrong direction


class TrialScheduler:
    """Base class. Subclasses override the `on_*` hooks they need and `next_resume` if they pause trials."""

    requires_metric = False  # True: refuses to run without metric and mode
    requires_checkpoints = False  # True: the trainable must save checkpoints (PBT, PB2)
    refuses_model_based_searchers = False
    multi_objective = False  # True: ranks trials by several metrics (`metric=[...]`, `mode=[...]`)

    def __init__(self, *, time_attr: str = "training_iteration", metric: str | list[str] | None = None,
                 mode: str | list[str] | None = None):
        check_modes(mode)
        self.time_attr = time_attr
        self.metric = metric
        self.mode = mode
        self.rng: np.random.Generator = np.random.default_rng(0)

    def set_search_properties(self, metric: str | list[str] | None, mode: str | list[str] | None) -> None:
        """Fill metric/mode from the experiment; refuse a conflicting value, a missing one when required, and
        several metrics unless the scheduler is multi-objective."""
        adopt_metric_mode(self, metric, mode)
        if self.requires_metric and not self.multi_objective:
            refuse_several(self, self.metric, "scheduler")
        if self.requires_metric and (self.metric is None or self.mode is None):
            raise AsktellValueError(
                f"{type(self).__name__} needs `metric` and `mode`; got metric={self.metric!r}, mode={self.mode!r}"
            )

    def set_rng(self, rng: np.random.Generator) -> None:
        self.rng = rng

    # --- hooks -------------------------------------------------------------------------------------------------
    def on_trial_add(self, trial: Trial) -> None:
        """A new trial was created."""

    def on_trial_result(self, trial: Trial, result: dict[str, Any]) -> Decision:
        return _CONTINUE

    def on_trial_complete(self, trial: Trial, result: dict[str, Any] | None) -> None:
        """The trial ended normally (or was stopped by this scheduler or a stopper)."""

    def on_trial_error(self, trial: Trial) -> None:
        """The trial failed for good."""
        self.on_trial_remove(trial)

    def on_trial_remove(self, trial: Trial) -> None:
        """The trial left the experiment without completing normally."""

    def on_no_more_trials(self) -> None:
        """No new trial will be added (searcher finished or `num_samples` reached)."""

    def next_trial_level(self) -> float | None:
        """The resource level at which the next new trial will first be judged (its bracket's first rung), for a
        multi-fidelity searcher's `suggest_at`; None: the searcher's own lowest rung."""
        return None

    def next_resume(self, trials: Iterable[Trial]) -> ResumeRequest | None:
        """A paused trial to run again, or None. Called by `Experiment.ask()` before it starts a new trial."""
        return None

    def pop_trials_to_stop(self) -> list[str]:
        """Paused trials this scheduler decided to end (e.g. HyperBand's losers); the experiment finishes them."""
        return []

    # --- state -------------------------------------------------------------------------------------------------
    def save(self) -> dict[str, Any]:
        """A picklable snapshot (a deep copy, generator state included); `restore` gives the same decisions."""
        return copy.deepcopy(self.__dict__)

    def restore(self, state: dict[str, Any]) -> None:
        self.__dict__.update(copy.deepcopy(state))

    # --- helpers for subclasses -------------------------------------------------------------------------------
    def _score(self, result: dict[str, Any]) -> float:
        """The metric oriented so that larger is better; NaN, like ±inf in the wrong direction, is the worst
        value `WORST` (-inf). Schedulers judge a trial with a worst score as beaten by every other trial but never
        let it into a cutoff or median that other trials face (docs/schedulers.md, "NaN and infinity")."""
        if self.metric not in result:
            raise AsktellValueError(
                f"{type(self).__name__} uses metric={self.metric!r} but a result has only {sorted(result)}"
            )
        value = float(result[self.metric])
        score = value if self.mode == "max" else -value
        return WORST if math.isnan(score) else score

    def _time(self, result: dict[str, Any]) -> float:
        if self.time_attr not in result:
            raise AsktellValueError(
                f"{type(self).__name__} uses time_attr={self.time_attr!r} but a result has only {sorted(result)}"
            )
        return float(result[self.time_attr])


class FIFOScheduler(TrialScheduler):
    """Runs every trial to its end: always CONTINUE."""
