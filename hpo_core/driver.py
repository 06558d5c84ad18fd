"""`run()`: the driver loop that joins an `Experiment` (decisions) to an `Executor` (processes) and callbacks."""
from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from .analysis import ExperimentAnalysis
from .callbacks import Callback, CallbackList
from .enums import Decision, TrialStatus
from .errors import AsktellError, AsktellTypeError, AsktellValueError, TrialsFailedError
from .executors.base import Completed, Executor, Failed, Reported, unpickled
from .experiment import Experiment
from .loggers import default_callbacks
from .loggers.files import PerTrialWriters
from .notices import MissingMetricNotice, warn_plain_lists
from .schedulers.base import TrialScheduler
from .searchers.base import Searcher
from .storage import ExperimentStorage
from .storage.journal import SYNC_INTERVAL_S, check_sync_interval
from .trainables import resolve_trainable

logger = logging.getLogger("asktell")


def trainable_name(trainable: Any) -> str:
    name = getattr(trainable, "__name__", None) or type(trainable).__name__
    return "trainable" if name == "<lambda>" else name


def run(
    trainable: Callable[[dict[str, Any]], Any],
    config: dict[str, Any] | None = None,
    *,
    num_samples: int = 1,
    metric: str | list[str] | None = None,
    mode: str | list[str] | None = None,
    search_alg: Searcher | None = None,
    scheduler: TrialScheduler | None = None,
    stop: Any = None,
    resources_per_trial: dict[str, float] | None = None,
    max_concurrent_trials: int | None = None,
    callbacks: Sequence[Callback] | None = None,
    name: str | None = None,
    storage_path: str | None = None,
    resume: bool | str = False,
    max_failures: int = 0,
    raise_on_failed_trial: bool = True,
    time_budget_s: float | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    verbose: int = 1,
    sync_interval_s: float = SYNC_INTERVAL_S,
    keep_checkpoints_num: int = 1,
    dashboard: bool = False,
) -> ExperimentAnalysis:
    """Tune `trainable` over `config`; returns the analysis of every trial.

    The trainable takes the config dict and returns a dict of metrics, or calls `hpo_core.report(...)` any number of
    times. The default executor is a process pool (`ProcessExecutor`); pass `executor=SerialExecutor()` to stay in
    this process, or use `hpo_ray.run` for Ray. `dashboard=True` serves a live web dashboard of the run's folder
    from a child process and prints its URL (see docs/dashboard.md). Several objectives: `metric` and `mode` as lists
    (docs/multiobjective.md); the analysis then gives the Pareto front as `best_trials`.

    Durability: every result is written to the experiment's journal (`write()`, in the OS) before its decision is
    applied, so a killed driver (SIGKILL, out of memory) loses no acknowledged result and `resume=True` goes on
    from there. The journal is fsynced at most every `sync_interval_s` seconds (default 1), whenever a checkpoint it
    names is stored, and at exit: a crash of the whole machine loses at most that window. `sync_interval_s=0`
    fsyncs every batch of results before their decisions are applied (about 1 ms of disk time per batch).
    Checkpoints are pickled when reported and written by a background thread; the newest `keep_checkpoints_num`
    of each trial are kept (plus any a PBT exploit still restores from). See docs/persistence.md.
    """
    trainable = resolve_trainable(trainable, parameter="trainable")  # a function, a Trainable class or a name
    if max_concurrent_trials is not None and (isinstance(max_concurrent_trials, bool)
                                              or not isinstance(max_concurrent_trials, int)
                                              or max_concurrent_trials < 1):
        raise AsktellValueError(f"`max_concurrent_trials` must be an int >= 1, but got {max_concurrent_trials!r}")
    if callbacks is not None and not all(isinstance(c, Callback) for c in callbacks):
        raise AsktellTypeError(f"`callbacks` must be a list of hpo_core.Callback, but got {callbacks!r}")
    if isinstance(verbose, bool) or not isinstance(verbose, int) or not 0 <= verbose <= 3:
        raise AsktellValueError(f"`verbose` must be 0, 1, 2 or 3, but got {verbose!r}")
    sync_interval_s = check_sync_interval(sync_interval_s)
    if isinstance(keep_checkpoints_num, bool) or not isinstance(keep_checkpoints_num, int) or keep_checkpoints_num < 1:
        raise AsktellValueError(f"`keep_checkpoints_num` must be an int >= 1, but got {keep_checkpoints_num!r}")
    if not isinstance(dashboard, bool):
        raise AsktellTypeError(f"`dashboard` must be True or False, but got {dashboard!r}")
    warn_plain_lists(config if isinstance(config, dict) else None)
    # the experiment folder and its journal (hpo_core.storage): resume replays it into the new Experiment
    storage = ExperimentStorage.open(trainable_name(trainable), name=name, storage_path=storage_path, resume=resume)
    try:  # a run refused here (a bad argument) leaves no folder behind and the folder unlocked
        seed = storage.seed(seed)
        if executor is None:
            from .executors.process import ProcessExecutor

            executor = ProcessExecutor()
        experiment = Experiment(
            config, metric=metric, mode=mode, num_samples=num_samples, search_alg=search_alg, scheduler=scheduler,
            stop=stop, seed=seed, time_budget_s=time_budget_s, max_failures=max_failures,
            trainable_name=trainable_name(trainable), clock=getattr(executor, "now", None) or time.time,
        )
        recorded = storage.attach(experiment, seed=seed, sync_interval_s=sync_interval_s,
                                  keep_checkpoints_num=keep_checkpoints_num)
        executor.setup(trainable, resources_per_trial=resources_per_trial,
                       max_concurrent_trials=max_concurrent_trials)
        all_callbacks = default_callbacks(callbacks, verbose=verbose, path=storage.path, metric=experiment.metric,
                                          mode=experiment.mode, loggers=getattr(executor, "default_loggers", True))
        all_callbacks.append(MissingMetricNotice(experiment.metric))
        recorded.curve_files = any(isinstance(c, PerTrialWriters) for c in all_callbacks)
    except BaseException:
        storage.discard()
        raise
    if dashboard:
        from .dashboard.launch import dashboard_beside_driver

        dashboard_beside_driver(storage.path)
    finished = False
    interrupted: KeyboardInterrupt | None = None
    with _second_interrupt_ignored() as ctrl_c:
        try:
            Driver(recorded, executor, CallbackList(all_callbacks)).run()
            finished = recorded.is_finished()
        except KeyboardInterrupt as error:  # workers ended by Driver.run, the folder closed below, then one line
            interrupted = error
        finally:
            storage.close(finished=finished)
    analysis = experiment.analysis()
    analysis.path = storage.path
    if interrupted is not None:
        if verbose > 0:
            done = sum(1 for t in analysis.trials if t.status.is_finished)
            print(f"[asktell] Interrupted ({done} trials finished, kept in the folder). Resume with: "
                  f"run({trainable_name(trainable)}, ..., name={storage.path!r}, resume=True)", flush=True)
        if not ctrl_c.pressed:  # raised by the user's code (a callback, a trainable): theirs to catch
            raise interrupted
        return analysis  # Ctrl-C: the analysis of what ran, as Ray Tune returns it
    failed = [t for t in analysis.trials if t.status is TrialStatus.ERROR]
    if failed and raise_on_failed_trial:
        raise TrialsFailedError(failed, total=len(analysis.trials))
    return analysis


class _CtrlC:
    pressed = False  # a SIGINT reached run()'s handler (not a KeyboardInterrupt raised by the user's code)


@contextlib.contextmanager
def _second_interrupt_ignored():
    """Ctrl-C ends the run; after it, the clean-up (stopping workers, closing the journal) must finish, so a second
    one is ignored until `run()` returns. Only the main thread can set signal handlers, and a handler the user (or a
    notebook) installed is kept: then nothing changes."""
    state = _CtrlC()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:
        yield state
        return

    def interrupt(signum, frame):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        state.pressed = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    try:
        yield state
    finally:
        signal.signal(signal.SIGINT, previous)


class Driver:
    """One experiment's loop: fill free slots from `ask()`, turn executor events into tells, apply decisions."""

    poll_interval = 0.05

    def __init__(self, experiment: Experiment, executor: Executor, callbacks: CallbackList):
        self.experiment = experiment
        self.executor = executor
        self.callbacks = callbacks
        self.iteration = 0
        self._trial_list = list(experiment.trials.values())  # grows by appending: hooks get it in O(1)
        self._decisions: list[tuple[str, Decision]] = []
        self._waiting: list[tuple[str, Decision]] = []  # decisions whose trial's checkpoint file is being written
        self._checkpoint_pending = getattr(experiment, "checkpoint_pending", None)  # a stored experiment has it

    def run(self) -> None:
        exp = self.experiment
        self._checkpoint_listeners = self.callbacks.overrides("on_checkpoint")
        self.callbacks("setup", stop=exp.stopper, num_samples=exp.num_samples, total_num_samples=exp.max_trials,
                       trials=self._trials())  # not empty when the experiment was resumed
        try:
            while not exp.is_finished():
                started = self._fill_slots()
                # (no free slot and nothing running: workers are still ending their stopped runs; wait for them)
                if not self.executor.running() and not started and self.executor.free_slots() > 0:
                    if exp.is_finished():
                        break
                    logger.warning("nothing is running and the searcher suggests nothing: ending the experiment")
                    break
                for event in self.executor.poll(0.001 if self._waiting else self.poll_interval):
                    self.iteration += 1
                    self._handle(event)
                self._apply_decisions()
        finally:
            self.executor.shutdown()
            self.callbacks("on_experiment_end", trials=self._trials())

    def _trials(self) -> list:
        return self._trial_list

    def _apply_decisions(self) -> None:
        """The batch is in the journal (written; fsynced too with `sync_interval_s=0`): let the trials act on it,
        each once the checkpoint it reported is written too (the background thread writes it meanwhile)."""
        if self._decisions:
            self.experiment.sync()
            self._waiting += self._decisions
            self._decisions.clear()
        if self._waiting:
            pending, held = self._checkpoint_pending, set()
            waiting, self._waiting = self._waiting, []
            for trial_id, decision in waiting:  # in order; a trial's later decisions wait behind its first
                if trial_id in held or (pending is not None and pending(trial_id)):
                    held.add(trial_id)
                    self._waiting.append((trial_id, decision))
                else:
                    self.executor.apply(trial_id, decision)

    def _apply_now(self, trial_id: str) -> None:
        """Wait for the trial's checkpoint file, then apply its waiting decisions (rare: the scheduler resumed it
        before its pause had reached it)."""
        pending = self._checkpoint_pending
        deadline = time.monotonic() + 60.0
        while pending is not None and pending(trial_id) and time.monotonic() < deadline:
            time.sleep(0.001)
        mine = [(t, d) for t, d in self._waiting if t == trial_id]
        self._waiting = [(t, d) for t, d in self._waiting if t != trial_id]
        for _, decision in mine:
            self.executor.apply(trial_id, decision)

    def _fill_slots(self) -> int:
        started = 0
        while self.executor.free_slots() > 0:
            suggestion = self.experiment.ask()
            if suggestion is None:
                break
            if suggestion.resume and self._waiting:  # paused and resumed at once: its pause goes out first
                self._apply_now(suggestion.trial_id)
            self.executor.start(suggestion)
            started += 1
            trial = self.experiment.trials[suggestion.trial_id]
            if not suggestion.resume:
                self._trial_list.append(trial)
            self.callbacks("on_trial_start", iteration=self.iteration, trials=self._trials(), trial=trial)
        return started

    def _handle(self, event) -> None:
        exp = self.experiment
        trial = exp.trials[event.trial_id]
        if isinstance(event, Reported):
            if trial.status is TrialStatus.PAUSED:  # made past its pause point (a trial running ahead of the
                return  # driver): it resumes from the pause's checkpoint and makes this report again
            recorded = len(trial.results)
            try:
                decision = exp.tell(event.trial_id, event.metrics, checkpoint=event.checkpoint)
            except AsktellError as error:  # a bad result fails its trial, never the experiment
                self._decisions.append((event.trial_id, Decision.STOP))
                self._fail(trial, f"{type(error).__name__}: {error}")
                return
            if len(trial.results) > recorded:  # not a re-made report of a resumed trial
                self.callbacks("on_trial_result", iteration=self.iteration, trials=self._trials(), trial=trial,
                               result=trial.last_result)
            if event.checkpoint is not None and self._checkpoint_listeners:  # (unpickled only for them)
                self.callbacks("on_checkpoint", iteration=self.iteration, trials=self._trials(), trial=trial,
                               checkpoint=unpickled(event.checkpoint))
            self._decisions.append((event.trial_id, decision))
            if trial.status is TrialStatus.TERMINATED:
                self.callbacks("on_trial_complete", iteration=self.iteration, trials=self._trials(), trial=trial)
        elif isinstance(event, Completed):
            was_finished = trial.status.is_finished
            exp.complete(event.trial_id)
            if not was_finished and trial.status.is_finished:
                self.callbacks("on_trial_complete", iteration=self.iteration, trials=self._trials(), trial=trial)
        elif isinstance(event, Failed):
            self._fail(trial, event.error)

    def _fail(self, trial, error: str) -> None:
        if trial.status.is_finished:
            return
        self.experiment.complete(trial.trial_id, error=error)
        hook = "on_trial_error" if trial.status is TrialStatus.ERROR else "on_trial_recover"
        self.callbacks(hook, iteration=self.iteration, trials=self._trials(), trial=trial)
