"""What a trainable calls from inside a trial: `report(...)`, `get_checkpoint()` and `get_context()`.

Each executor installs a `TrialSession` for the trial it runs (per thread); the functions find it there, so the same
trainable works in the serial, process, simulated and Ray executors.
"""
from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .enums import Decision
from .errors import AsktellTypeError, AsktellValueError

_local = threading.local()
DEFAULT_METRIC = "_metric"  # the metric name of a trainable that returns a bare number (Ray Tune's)


class TrialStopped(BaseException):
    """Raised inside `report()` to unwind a trainable whose trial got STOP or PAUSE (not an `Exception`, so a
    trainable's own `except Exception` does not swallow it)."""

    def __init__(self, decision: Decision):
        super().__init__(decision.name)
        self.decision = decision


class TrialSession:
    """The link from a running trainable to its executor.

    `send(metrics, checkpoint) -> Decision | None` delivers one report; a STOP/PAUSE answer (now or, for
    streaming executors, learned later through `stop_requested`) ends the trainable at this report.
    """

    def __init__(
        self,
        trial_id: str,
        send: Callable[[dict[str, Any], Any], Decision | None],
        *,
        checkpoint: Any = None,
        stop_requested: Callable[[], Decision | None] | None = None,
        trial_name: str | None = None,
        start_iteration: int = 0,
    ):
        self.trial_id = trial_id
        self.trial_name = trial_name or trial_id
        self.iteration = start_iteration
        self._send = send
        self._checkpoint = checkpoint
        self._stop_requested = stop_requested
        self._last_time = time.time()

    def report(self, metrics: dict[str, Any], checkpoint: Any = None) -> None:
        now = time.time()
        metrics = dict(metrics)
        metrics.setdefault("time_this_iter_s", now - self._last_time)
        metrics.setdefault("timestamp", now)
        self._last_time = now
        if checkpoint is not None:
            self._checkpoint = checkpoint
        self.iteration += 1
        decision = self._send(metrics, checkpoint)
        if decision is None and self._stop_requested is not None:
            decision = self._stop_requested()
        if decision is not None and decision is not Decision.CONTINUE:
            raise TrialStopped(decision)

    def get_checkpoint(self) -> Any:
        return self._checkpoint


def set_session(session: TrialSession | None) -> None:
    _local.session = session


def get_session() -> TrialSession | None:
    return getattr(_local, "session", None)


def report(metrics: dict[str, Any] | None = None, /, *, checkpoint: Any = None, **kwargs: Any) -> None:
    """Report a result from a trainable: `report({"loss": 0.1})` or `report(loss=0.1)`; optionally a checkpoint
    (any picklable object) that `get_checkpoint()` returns when the trial is restored."""
    if metrics is not None and not isinstance(metrics, dict):
        raise AsktellTypeError(f"report() takes a dict of metrics or keyword metrics, got {type(metrics).__name__}")
    merged = {**(metrics or {}), **kwargs}
    session = get_session()
    if session is None:
        raise AsktellValueError("report() was called outside a trial: call it from a trainable run by asktell")
    session.report(merged, checkpoint)


def get_checkpoint() -> Any:
    """The checkpoint to restore in this trial (its own after a pause/failure, a donor's after a PBT exploit)."""
    session = get_session()
    return None if session is None else session.get_checkpoint()


@dataclass(frozen=True)
class TrialContext:
    """Where a trainable runs (Ray Tune's `tune.get_context()`).

    Args:
        trial_id: the trial's id.
        trial_name: its name (`<trainable>_<trial id>`).
        trial_dir: a folder of this worker's machine for the trial's own files (created on first use; the
            experiment folder may be on another node).
        iteration: the reports the trial made so far (its `training_iteration`, counted on across restores).
    """

    trial_id: str
    trial_name: str
    trial_dir: str
    iteration: int

    def get_trial_id(self) -> str:
        return self.trial_id

    def get_trial_name(self) -> str:
        return self.trial_name

    def get_trial_dir(self) -> str:
        os.makedirs(self.trial_dir, exist_ok=True)
        return self.trial_dir


def get_context() -> TrialContext:
    """The running trial's id, name, local folder and iteration; raises outside a trial.

    Example:
        >>> from hpo_core import SerialExecutor, run
        >>> analysis = run(lambda config: {"id": get_context().get_trial_id()}, executor=SerialExecutor(),
        ...                storage_path=__import__("tempfile").mkdtemp(), verbose=0)
        >>> analysis.trials[0].last_result["id"] == analysis.trials[0].trial_id
        True
    """
    session = get_session()
    if session is None:
        raise AsktellValueError("get_context() was called outside a trial: call it from a trainable run by asktell")
    folder = os.path.join(tempfile.gettempdir(), "asktell-trials", session.trial_name)
    return TrialContext(session.trial_id, session.trial_name, folder, session.iteration)
