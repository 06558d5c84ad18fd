"""Ray Tune's configuration objects for `Tuner`: `TuneConfig`, `RunConfig`, `FailureConfig`, `CheckpointConfig`.

Each is a small keyword-only dataclass that checks its values where they enter and maps onto `run()`'s arguments
(`run_arguments`), so a `Tuner` is `run()` with Ray Tune's spelling.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .callbacks import Callback
from .errors import AsktellTypeError, AsktellValueError
from .stoppers import CombinedStopper, Stopper, as_stopper


def check_int(name: str, value: Any, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise AsktellValueError(f"`{name}` must be an int >= {minimum}, but got {value!r}")


@dataclass(kw_only=True)
class FailureConfig:
    """What to do when trials fail.

    Args:
        max_failures: times a failed trial is restarted from its last checkpoint (-1: without limit).
        fail_fast: end the experiment at the first trial failure (no new trials start; `fit()` still returns
            the results, and `ResultGrid.errors` holds the failure).

    Example:
        >>> FailureConfig(max_failures=2).max_failures
        2
    """

    max_failures: int = 0
    fail_fast: bool | str = False

    def __post_init__(self) -> None:
        check_int("max_failures", self.max_failures, minimum=-1)
        if self.fail_fast not in (True, False, "raise"):
            raise AsktellValueError(f"`fail_fast` must be True, False or 'raise', but got {self.fail_fast!r}")


@dataclass(kw_only=True)
class CheckpointConfig:
    """Which checkpoints to keep, and when a class trainable takes them.

    Args:
        num_to_keep: keep at most this many checkpoints per trial, ranked by `checkpoint_score_attribute`
            (the latest ones when it is None); None keeps every one.
        checkpoint_score_attribute: the result metric that ranks checkpoints.
        checkpoint_score_order: "max" or "min".
        checkpoint_frequency: a `Trainable` class checkpoints every this many steps (0: asktell's default, every
            step, which pause/resume and PBT need).
        checkpoint_at_end: accepted for Ray Tune's code; a `Trainable` class always checkpoints its last step.

    Example:
        >>> CheckpointConfig(num_to_keep=2, checkpoint_score_attribute="acc").checkpoint_score_order
        'max'
    """

    num_to_keep: int | None = None
    checkpoint_score_attribute: str | None = None
    checkpoint_score_order: str = "max"
    checkpoint_frequency: int = 0
    checkpoint_at_end: bool | None = None

    def __post_init__(self) -> None:
        if self.num_to_keep is not None:
            check_int("num_to_keep", self.num_to_keep, minimum=1)
        check_int("checkpoint_frequency", self.checkpoint_frequency, minimum=0)
        if self.checkpoint_score_order not in ("max", "min"):
            raise AsktellValueError(
                f"`checkpoint_score_order` must be 'max' or 'min', but got {self.checkpoint_score_order!r}"
            )
        if self.checkpoint_score_attribute is not None and not isinstance(self.checkpoint_score_attribute, str):
            raise AsktellTypeError(
                f"`checkpoint_score_attribute` must be a metric name, but got {self.checkpoint_score_attribute!r}"
            )


@dataclass(kw_only=True)
class TuneConfig:
    """How to search: metric and mode, searcher, scheduler, how many trials and how many at once.

    Args:
        metric, mode: what to optimise ("min" or "max"); lists for several objectives.
        search_alg: a Searcher (default: random and grid search).
        scheduler: a TrialScheduler (default: FIFO).
        num_samples: trials to sample (times each grid point); -1 runs until the searcher or a stopper ends.
        max_concurrent_trials: at most this many trials at once.
        time_budget_s: start no new trial after this many seconds, and stop the running ones.
        reuse_actors, trial_name_creator, trial_dirname_creator: accepted for Ray Tune's code, not used (asktell
            reuses its workers anyway and names trials `<trainable>_<id>`).
        seed: the experiment seed (asktell's addition): the same seed gives the same trials.

    Example:
        >>> TuneConfig(metric="loss", mode="min", num_samples=10).num_samples
        10
    """

    metric: str | list[str] | None = None
    mode: str | list[str] | None = None
    search_alg: Any = None
    scheduler: Any = None
    num_samples: int = 1
    max_concurrent_trials: int | None = None
    time_budget_s: float | None = None
    reuse_actors: bool | None = None
    trial_name_creator: Callable | None = None
    trial_dirname_creator: Callable | None = None
    seed: int | None = None

    def __post_init__(self) -> None:
        check_int("num_samples", self.num_samples, minimum=-1)
        for name in ("trial_name_creator", "trial_dirname_creator"):
            value = getattr(self, name)
            if value is not None and not callable(value):
                raise AsktellTypeError(f"`{name}` must be a function of the trial, but got {value!r}")

    def run_arguments(self) -> dict[str, Any]:
        ignored = [n for n in ("trial_name_creator", "trial_dirname_creator") if getattr(self, n) is not None]
        if ignored:
            warnings.warn(f"TuneConfig: {ignored} are not used; asktell names trials <trainable>_<trial id>",
                          stacklevel=3)
        return {
            "metric": self.metric, "mode": self.mode, "search_alg": self.search_alg, "scheduler": self.scheduler,
            "num_samples": self.num_samples, "max_concurrent_trials": self.max_concurrent_trials,
            "time_budget_s": self.time_budget_s, "seed": self.seed,
        }


@dataclass(kw_only=True)
class RunConfig:
    """Where results go and when trials stop.

    Args:
        name: the experiment folder's name (default: `<trainable>_<date>`).
        storage_path: its parent folder (default: `$ASKTELL_STORAGE_PATH` or `~/hpo_results`).
        stop: a dict (`result[key] >= value`), a function `fn(trial_id, result)` or a `Stopper`.
        callbacks: `Callback`s (loggers, reporters, ...).
        verbose: 0 silent ... 3 every result (Ray Tune's `False`/`True` are 0/1).
        failure_config, checkpoint_config: see `FailureConfig` and `CheckpointConfig`.
        progress_reporter: a `CLIReporter`-style reporter; its metric columns become the progress display's.
        dashboard: serve a live web dashboard of the run and print its URL (`run(..., dashboard=True)`).
        log_to_file, sync_config: accepted for Ray Tune's code, not used.

    Example:
        >>> RunConfig(name="exp", stop={"training_iteration": 5}).stop
        {'training_iteration': 5}
    """

    name: str | None = None
    storage_path: str | None = None
    stop: Any = None
    callbacks: Sequence[Callback] | None = None
    verbose: int | bool | None = None
    failure_config: FailureConfig = field(default_factory=FailureConfig)
    checkpoint_config: CheckpointConfig = field(default_factory=CheckpointConfig)
    progress_reporter: Any = None
    dashboard: bool = False
    log_to_file: Any = None
    sync_config: Any = None

    def __post_init__(self) -> None:
        if self.failure_config is None:
            self.failure_config = FailureConfig()
        if self.checkpoint_config is None:
            self.checkpoint_config = CheckpointConfig()
        if not isinstance(self.failure_config, FailureConfig):
            raise AsktellTypeError(f"`failure_config` must be a FailureConfig, but got {self.failure_config!r}")
        if not isinstance(self.checkpoint_config, CheckpointConfig):
            raise AsktellTypeError(
                f"`checkpoint_config` must be a CheckpointConfig, but got {self.checkpoint_config!r}"
            )
        if self.verbose is not None and (not isinstance(self.verbose, int) or not 0 <= self.verbose <= 3):
            raise AsktellValueError(f"`verbose` must be 0, 1, 2 or 3 (or a bool), but got {self.verbose!r}")
        if self.callbacks is not None and not all(isinstance(c, Callback) for c in self.callbacks):
            raise AsktellTypeError(f"`callbacks` must be a list of Callback, but got {self.callbacks!r}")
        if not isinstance(self.dashboard, bool):
            raise AsktellTypeError(f"`dashboard` must be True or False, but got {self.dashboard!r}")

    def run_arguments(self, *, metric: Any = None, mode: Any = None) -> dict[str, Any]:
        verbose = 1 if self.verbose is None else int(self.verbose)
        callbacks = list(self.callbacks or []) + progress_callbacks(self.progress_reporter, verbose=verbose,
                                                                    metric=metric, mode=mode)
        stop = self.stop
        if self.failure_config.fail_fast:
            fail_fast = FailFast()
            stop = fail_fast if stop is None else CombinedStopper(as_stopper(stop), fail_fast)
            callbacks.append(fail_fast)
        return {"name": self.name, "storage_path": self.storage_path, "stop": stop, "callbacks": callbacks,
                "verbose": verbose, "max_failures": self.failure_config.max_failures, "dashboard": self.dashboard}


class FailFast(Stopper, Callback):
    """`FailureConfig(fail_fast=True)`: after the first trial failure every trial stops at its next result and the
    experiment ends (no new trial starts once a result has been told)."""

    def __init__(self) -> None:
        self.failed = False

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self.failed = True

    def __call__(self, trial_id: str, result: dict[str, Any]) -> bool:
        return self.failed

    def stop_all(self) -> bool:
        return self.failed


def progress_callbacks(reporter: Any, *, verbose: int, metric: Any, mode: Any) -> list[Callback]:
    """A `CLIReporter`-style reporter as the run's progress display (metric and mode filled from the run)."""
    from .progress import ProgressReporter

    if reporter is None or verbose == 0:
        return []
    if not isinstance(reporter, ProgressReporter):
        raise AsktellTypeError(f"`progress_reporter` must be a CLIReporter (a ProgressReporter), but got {reporter!r}")
    reporter.verbose = verbose
    if reporter.metric is None and isinstance(metric, str):
        reporter.metric, reporter.mode = metric, mode
    return [reporter]
