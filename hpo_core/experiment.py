"""`Experiment`: the ask/tell state machine. Pure state: no threads, no processes, no files."""
from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .enums import Decision, TrialStatus
from .errors import (
    AsktellTypeError,
    AsktellValueError,
    MissingMetricError,
    TrialFinishedError,
    UnknownTrialError,
)
from .objectives import check_objectives, single_or_list
from .schedulers.base import FIFOScheduler, TrialScheduler
from .schedulers.fidelity import fidelity_of
from .searchers.base import FINISHED, Searcher
from .space import Space
from .stoppers import Stopper, as_stopper
from .suggestion import ResumeRequest, Suggestion
from .trial import Trial

_LIVE = (TrialStatus.PENDING, TrialStatus.RUNNING, TrialStatus.PAUSED)
_NEVER_DROPS = TrialScheduler.pop_trials_to_stop
# enum members as module constants: reading `TrialStatus.RUNNING` costs ~0.25 µs on Python 3.11, on the hot path
_RUNNING, _PAUSED, _TERMINATED = TrialStatus.RUNNING, TrialStatus.PAUSED, TrialStatus.TERMINATED
_CONTINUE, _PAUSE, _STOP = Decision.CONTINUE, Decision.PAUSE, Decision.STOP


class Experiment:
    """Ask for trials to run, tell their results, complete them; searcher, scheduler and stop rules decide.

    ```
    exp = Experiment(space, metric="loss", mode="min", num_samples=50, seed=0)
    while not exp.is_finished():
        s = exp.ask()                         # Suggestion | None
        ...run s.config, then for each result:
        decision = exp.tell(s.trial_id, {"loss": 0.3})
        ...and when the run ends: exp.complete(s.trial_id)   (or error="traceback")
    exp.analysis().best_config
    ```
    Several objectives: `metric=["loss", "size"], mode=["min", "min"]` (every result must hold each metric).
    `num_samples=-1` runs until the searcher is exhausted, a stopper ends the experiment or `time_budget_s` passes.
    """

    def __init__(
        self,
        space: dict[str, Any] | Space | None = None,
        metric: str | list[str] | None = None,
        mode: str | list[str] | None = None,
        num_samples: int = 1,
        search_alg: Searcher | None = None,
        scheduler: TrialScheduler | None = None,
        stop: Any = None,
        seed: int | np.random.SeedSequence | None = None,
        *,
        time_budget_s: float | None = None,
        max_failures: int = 0,
        trainable_name: str = "trial",
        clock: Callable[[], float] = time.time,
    ):
        from .searchers.basic_variant import BasicVariantGenerator

        self.metrics, self.modes = check_objectives(metric, mode)
        _check_int("num_samples", num_samples, minimum=-1)
        if num_samples == 0:
            raise AsktellValueError("`num_samples` must be >= 1 (or -1 for no limit), but got 0")
        _check_int("max_failures", max_failures, minimum=-1)
        if time_budget_s is not None and (not isinstance(time_budget_s, (int, float)) or time_budget_s <= 0):
            raise AsktellValueError(f"`time_budget_s` must be a number > 0, but got {time_budget_s!r}")
        if search_alg is not None and not isinstance(search_alg, Searcher):
            raise AsktellTypeError(f"`search_alg` must be a Searcher, but got {search_alg!r}")
        if scheduler is not None and not isinstance(scheduler, TrialScheduler):
            raise AsktellTypeError(f"`scheduler` must be a TrialScheduler, but got {scheduler!r}")

        self.space = space if isinstance(space, Space) else Space(space)
        self.searcher = search_alg if search_alg is not None else BasicVariantGenerator()
        self.scheduler = scheduler if scheduler is not None else FIFOScheduler()
        self.stopper: Stopper | None = as_stopper(stop)
        self.num_samples = num_samples
        self.max_failures = max_failures
        self.time_budget_s = time_budget_s
        self.trainable_name = trainable_name
        self.clock = clock
        self.seed = seed

        sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        searcher_seq, scheduler_seq = sequence.spawn(2)
        self.searcher.set_search_properties(single_or_list(self.metrics), single_or_list(self.modes), self.space)
        self.searcher.set_rng(np.random.default_rng(searcher_seq))
        if not self.metrics and self.searcher.metric is not None:  # the searcher holds them (OptunaSearch(metric=...))
            self.metrics, self.modes = check_objectives(self.searcher.metric, self.searcher.mode)
        self.metric = self.metrics[0] if self.metrics else None
        self.mode = self.modes[0] if self.modes else None
        self.scheduler.set_search_properties(single_or_list(self.metrics), single_or_list(self.modes))
        self.scheduler.set_rng(np.random.default_rng(scheduler_seq))
        if self.searcher.multi_fidelity:
            fidelity = fidelity_of(self.scheduler)
            if fidelity is not None:
                self.searcher.set_fidelity(fidelity)
        if self.scheduler.refuses_model_based_searchers and self.searcher.model_based:
            raise AsktellValueError(
                f"{type(self.scheduler).__name__} changes configs itself and cannot be combined with the model-based "
                f"searcher {type(self.searcher).__name__}; use the default BasicVariantGenerator"
            )
        grid_size = max(1, len(self.space.grid_points())) if self.space.grid else 1
        planned = None if num_samples == -1 else self.searcher.planned_trials(num_samples)
        self.max_trials = math.inf if num_samples == -1 else planned if planned is not None else num_samples * grid_size

        self.trials: dict[str, Trial] = {}
        self._live: dict[str, Trial] = {}  # PENDING / RUNNING / PAUSED, for O(live) scans
        self._retry: list[str] = []
        self._requeued: list[str] = []  # trials whose worker was lost with the driver: they go on first
        self._no_more_new = False
        self._stopped_all = False
        self._started_at: float | None = None
        self._last_tell: dict[str, float] = {}
        self.status_touched: dict[str, None] | None = None  # a recorder sets {}: ids whose status was set, in order

    # --- ask --------------------------------------------------------------------------------------------------
    def ask(self) -> Suggestion | None:
        """The next trial to run (new, resumed or retried), or None when nothing should start now."""
        if self._started_at is None:
            self._started_at = self.clock()
        if self._out_of_time() or self._stopped_all:
            self._end_new_trials()
            self._terminate_paused()
            return None
        self._end_dropped_trials()
        if self._requeued:  # they held slots when the driver died: they get them back before anyone else
            trial = self.trials[self._requeued.pop(0)]
            return self._start_again(trial, trial.checkpoint, trial.checkpoint_iteration)
        request = self.scheduler.next_resume(self._live.values())
        if request is not None:
            return self._resume(request)
        if self._retry:
            trial = self.trials[self._retry.pop(0)]
            return self._start_again(trial, trial.checkpoint, trial.checkpoint_iteration)
        suggestion = None if self._no_more_new else self._new_trial()
        if suggestion is None and self._no_more_new and not self._has_running():
            paused = next((t for t in self._live.values() if t.status is TrialStatus.PAUSED), None)
            if paused is not None:  # nobody else will resume it: go on rather than wait forever
                return self._start_again(paused, paused.checkpoint, paused.checkpoint_iteration)
        return suggestion

    def _new_trial(self) -> Suggestion | None:
        if len(self.trials) >= self.max_trials:
            self._end_new_trials()
            return None
        trial_id = f"{len(self.trials):05d}"
        level = self.scheduler.next_trial_level()
        config = self.searcher.suggest(trial_id) if level is None else self.searcher.suggest_at(trial_id, level)
        if config is None:
            return None
        if config is FINISHED:
            self._end_new_trials()
            return None
        if not isinstance(config, dict):
            raise AsktellTypeError(f"{type(self.searcher).__name__}.suggest() returned {config!r}, not a dict")
        trial = Trial(trial_id, config, self.trainable_name, status=_RUNNING)
        self.trials[trial_id] = self._live[trial_id] = trial
        self._last_tell[trial_id] = self.clock()
        self.scheduler.on_trial_add(trial)
        if len(self.trials) >= self.max_trials:
            self._end_new_trials()
        return Suggestion(trial_id, config)

    def _resume(self, request: ResumeRequest) -> Suggestion:
        trial = self._get(request.trial_id)
        if trial.status is not TrialStatus.PAUSED:
            raise AsktellValueError(f"scheduler asked to resume trial {trial.trial_id}, which is {trial.status.name}")
        if request.checkpoint_from is None:
            if request.config is not None:
                trial.config = request.config
            return self._start_again(trial, trial.checkpoint, trial.checkpoint_iteration)
        donor = self._get(request.checkpoint_from)
        trial.exploits.append({
            "time": trial.iteration,
            "donor": donor.trial_id,
            "old_config": trial.config,
            "new_config": request.config if request.config is not None else donor.config,
        })
        trial.config = request.config if request.config is not None else dict(donor.config)
        # the restored state is the donor's, at that iteration: it is the trial's checkpoint from now on, so a
        # retry after a failure restores it too (not the trial's own state from before the exploit)
        trial.checkpoint, trial.checkpoint_iteration = donor.checkpoint, donor.checkpoint_iteration
        trial.iteration = donor.checkpoint_iteration
        return self._start_again(trial, trial.checkpoint, trial.checkpoint_iteration)

    def _start_again(self, trial: Trial, checkpoint: Any, start_iteration: int) -> Suggestion:
        self._set_status(trial, TrialStatus.RUNNING)
        trial.replay_remaining = max(trial.iteration - start_iteration, 0)
        trial.iterations_since_restore = 0
        self._last_tell[trial.trial_id] = self.clock()
        return Suggestion(trial.trial_id, trial.config, resume=True, checkpoint=checkpoint,
                          start_iteration=start_iteration)

    # --- tell -------------------------------------------------------------------------------------------------
    def tell(self, trial_id: str, metrics: dict[str, Any], checkpoint: Any = None) -> Decision:
        """Record one result of a running trial; returns CONTINUE, PAUSE or STOP."""
        trial = self.trials.get(trial_id)  # (the checks are inlined: tell() is the hot path)
        if trial is None:
            raise UnknownTrialError(f"unknown trial id {trial_id!r}")
        if trial.status is not _RUNNING:
            if trial.status.is_finished:
                raise TrialFinishedError(f"trial {trial_id} is {trial.status.name}: it takes no more results")
            raise AsktellValueError(f"trial {trial_id} is {trial.status.name}: ask() resumes it before tell()")
        if type(metrics) is not dict:
            raise AsktellTypeError(f"tell(): `metrics` must be a dict, but got {type(metrics).__name__}")
        for name in self.metrics:
            if name not in metrics:
                raise MissingMetricError(
                    f"result of trial {trial_id} has no metric {name!r}; it has {sorted(metrics)}"
                )
            value = metrics[name]
            kind = type(value)
            if kind is not float and kind is not int and (
                    isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating))):
                raise AsktellTypeError(f"metric {name!r} of trial {trial_id} must be a number, but got {value!r}")
        if trial.replay_remaining:
            trial.replay_remaining -= 1
            return _CONTINUE

        now = self.clock()
        trial.iteration += 1
        trial.iterations_since_restore += 1
        result = dict(metrics)
        elapsed = result.get("time_this_iter_s")
        if elapsed is None:
            elapsed = result["time_this_iter_s"] = now - self._last_tell[trial_id]
        self._last_tell[trial_id] = now
        trial.time_total_s += elapsed
        result.setdefault("timestamp", now)
        result["training_iteration"] = trial.iteration
        result["time_total_s"] = trial.time_total_s
        result["iterations_since_restore"] = trial.iterations_since_restore
        result["trial_id"] = trial_id
        result["done"] = False
        result["config"] = trial.config
        if checkpoint is not None:
            trial.checkpoint = checkpoint
            trial.checkpoint_iteration = trial.iteration
        trial.results.append(result)
        self.searcher.on_trial_result(trial_id, result)

        stopper = self.stopper
        if stopper is not None and stopper(trial_id, result):
            decision, pruned = _STOP, False
            if stopper.stop_all():
                self._stopped_all = True
        else:
            decision = self.scheduler.on_trial_result(trial, result)
            pruned = decision is _STOP
            if stopper is not None and stopper.stop_all():
                self._stopped_all = True
                decision = _STOP
        if decision is not _STOP and (
                self._stopped_all or (self.time_budget_s is not None and self._out_of_time())):
            decision = _STOP
        if decision is _STOP:
            self._finish(trial, pruned=pruned)
        elif decision is _PAUSE:
            self._set_status(trial, _PAUSED)
        self._end_dropped_trials()
        return decision

    # --- complete ---------------------------------------------------------------------------------------------
    def complete(self, trial_id: str, error: str | None = None) -> None:
        """The trial's run ended (normally, or with `error` text). Accepted, and a no-op, for a finished trial."""
        trial = self._get(trial_id)
        if trial.status.is_finished:
            return
        if error is None:
            if trial.status is _PAUSED:
                return  # its worker ended because of the pause; it waits to be resumed
            self._finish(trial, pruned=False)
            return
        trial.num_failures += 1
        if self.max_failures == -1 or trial.num_failures <= self.max_failures:
            self._set_status(trial, TrialStatus.PENDING)
            trial.error = str(error)
            self._retry.append(trial_id)
            return
        self._set_status(trial, TrialStatus.ERROR)
        trial.error = str(error)
        self._live.pop(trial_id, None)
        self.scheduler.on_trial_error(trial)
        self.searcher.on_trial_complete(trial_id, trial.last_result or None, error=True)
        self._end_dropped_trials()

    def requeue(self, trial_id: str) -> None:
        """Run an unfinished (or errored) trial again from its last checkpoint without counting a failure: its
        worker was lost with the driver (resuming a killed experiment). A finished trial is left as it is."""
        trial = self._get(trial_id)
        if trial.status in (TrialStatus.TERMINATED, TrialStatus.PAUSED):
            return
        if trial.status is TrialStatus.ERROR:
            trial.num_failures = 0
            trial.error = None
            self._live[trial_id] = trial
        self._set_status(trial, TrialStatus.PENDING)
        if trial_id in self._retry:
            self._retry.remove(trial_id)
        if trial_id not in self._requeued:
            self._requeued.append(trial_id)

    def _finish(self, trial: Trial, *, pruned: bool) -> None:
        self._set_status(trial, _TERMINATED)
        self._live.pop(trial.trial_id, None)
        last = trial.last_result
        if last:
            last["done"] = True
        self.scheduler.on_trial_complete(trial, last or None)
        self.searcher.on_trial_complete(trial.trial_id, last or None, pruned=pruned)
        self._end_dropped_trials()

    def _set_status(self, trial: Trial, status: TrialStatus) -> None:
        trial.status = status
        if self.status_touched is not None:
            self.status_touched[trial.trial_id] = None

    def _end_dropped_trials(self) -> None:
        """Finish the paused trials the scheduler dropped (synchronous HyperBand's losers)."""
        if type(self.scheduler).pop_trials_to_stop is _NEVER_DROPS:
            return  # the base hook never drops any: skip the call on the hot path
        for trial_id in self.scheduler.pop_trials_to_stop():
            trial = self.trials.get(trial_id)
            if trial is not None and trial.status is TrialStatus.PAUSED:
                self._finish(trial, pruned=True)

    # --- state ------------------------------------------------------------------------------------------------
    def is_finished(self) -> bool:
        """True once no trial will start again and none is running, pending or paused."""
        if (self._out_of_time() or self._stopped_all) and not self._has_running():
            self._end_new_trials()
            self._terminate_paused()
        return self._no_more_new and not self._live

    def sync(self) -> None:
        """Make the recorded state durable; nothing to do in memory (a journaling experiment fsyncs here)."""

    def running_trials(self) -> list[Trial]:
        return [t for t in self._live.values() if t.status is TrialStatus.RUNNING]

    def analysis(self):
        from .analysis import ExperimentAnalysis

        return ExperimentAnalysis(list(self.trials.values()), default_metric=single_or_list(self.metrics),
                                  default_mode=single_or_list(self.modes))

    def _get(self, trial_id: str) -> Trial:
        trial = self.trials.get(trial_id)
        if trial is None:
            raise UnknownTrialError(f"unknown trial id {trial_id!r}")
        return trial

    def _has_running(self) -> bool:
        return any(t.status is TrialStatus.RUNNING for t in self._live.values())

    def _out_of_time(self) -> bool:
        return (self.time_budget_s is not None and self._started_at is not None
                and self.clock() - self._started_at >= self.time_budget_s)

    def _end_new_trials(self) -> None:
        if not self._no_more_new:
            self._no_more_new = True
            self.scheduler.on_no_more_trials()

    def _terminate_paused(self) -> None:
        for trial in [t for t in self._live.values() if t.status in (TrialStatus.PAUSED, TrialStatus.PENDING)]:
            self._finish(trial, pruned=False)
        self._retry.clear()
        self._requeued.clear()


def _check_int(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise AsktellValueError(f"`{name}` must be an int >= {minimum}, but got {value!r}")
