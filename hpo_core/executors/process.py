"""`ProcessExecutor`: trials in a pool of reused worker processes; a report waits for its decision over a pipe."""
from __future__ import annotations

import contextlib
import dataclasses
import math
import multiprocessing as mp
import os
import signal
import sys
import threading
from multiprocessing.connection import Connection, wait
from typing import Any

import cloudpickle

from ..enums import Decision
from ..errors import AsktellTypeError, AsktellValueError
from ..suggestion import Suggestion
from .base import Completed, Event, Executor, Failed, PickledCheckpoint, Reported
from .payload import dumps as dumps_trainable
from .wire import MessageReader
from .worker import run_trial


def _worker_main(conn: Connection, payload: bytes) -> None:
    """A worker process: run the trials it is sent, one at a time, until it gets None or the driver goes away.

    Every message names the run it belongs to (the token the driver sent with the suggestion). Ctrl-C is the
    driver's to handle: it ends the runs and this process, so a worker ignores SIGINT.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        trainable = cloudpickle.loads(payload)
    except Exception as exc:  # noqa: BLE001 - e.g. a module it needs is missing here: fail each trial
        trainable = _raiser(exc)
    with contextlib.suppress(EOFError, OSError):  # the driver closed the pipe or exited: nothing left to tell
        while True:
            message = cloudpickle.loads(conn.recv_bytes())
            if message is None:
                return
            token, suggestion = message
            if isinstance(suggestion.checkpoint, PickledCheckpoint):  # resumed: unpickled here, not by the driver
                suggestion = dataclasses.replace(suggestion, checkpoint=suggestion.checkpoint.load())

            def send(metrics: dict[str, Any], checkpoint: Any, token: str = token) -> Decision:
                if checkpoint is None:
                    conn.send_bytes(cloudpickle.dumps(("report", token, metrics, False)))
                else:  # its pickle follows as a message of its own, which the driver keeps as it is
                    data = cloudpickle.dumps(checkpoint)
                    conn.send_bytes(cloudpickle.dumps(("report", token, metrics, True)))
                    conn.send_bytes(data)
                return cloudpickle.loads(conn.recv_bytes())

            outcome = run_trial(trainable, suggestion, send)
            conn.send_bytes(cloudpickle.dumps(("ended", token, outcome)))


def _raiser(exc: Exception):
    def trainable(config):
        raise RuntimeError(f"the trainable could not be unpickled in the worker process: {exc!r}") from exc

    return trainable


def _context(start_method: str | None):
    """forkserver where available: workers fork from a clean single-threaded server that already imported
    hpo_core (fast starts, no inherited threads); spawn elsewhere."""
    if start_method is None:
        start_method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    context = mp.get_context(start_method)
    if start_method == "forkserver":
        context.set_forkserver_preload(["hpo_core", "cloudpickle"])
    return context


@contextlib.contextmanager
def _main_script_hidden():
    """Start processes without re-running the user's script in them: the trainable travels by value (cloudpickle),
    so workers need nothing from `__main__`, and a script without an `if __name__ == "__main__":` guard (as the
    chapter's examples are) would otherwise start its experiment again in every worker."""
    main = sys.modules.get("__main__")
    saved = {key: main.__dict__[key] for key in ("__file__", "__spec__") if main is not None and key in main.__dict__}
    if main is not None:
        main.__dict__.pop("__file__", None)
        main.__spec__ = None
    try:
        yield
    finally:
        if main is not None:
            main.__dict__.update(saved)


@contextlib.contextmanager
def _interrupts_held():
    """Hold Ctrl-C back while a worker (and, the first time, the forkserver and resource tracker) starts.

    A process started now inherits SIGINT ignored, so a Ctrl-C cannot kill it half-way through its imports (it is
    the driver's to handle); the signal stays pending (blocked) meanwhile and reaches the driver right after.
    """
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class _Worker:
    """One worker process and its pipe; `token` names the run it carries (None when idle)."""

    def __init__(self, context, payload: bytes):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, payload), daemon=True)
        with _main_script_hidden(), _interrupts_held():
            self.process.start()
        child.close()
        self.reader = MessageReader(self.conn)  # a checkpoint's bytes, read in one copy
        self.trial_id: str | None = None
        self.token: str | None = None
        self.waiting = False  # blocked in report(), waiting for a decision

    def send(self, message: Any) -> None:
        self.conn.send_bytes(cloudpickle.dumps(message))

    def close(self, timeout: float = 2.0) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.send(None)
        self.process.join(timeout)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(1.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(1.0)
        self.close_connection()

    def close_connection(self) -> None:
        self.reader.close()
        self.conn.close()


class ProcessExecutor(Executor):
    """`max_workers` processes (default: CPUs / `resources_per_trial["cpu"]`, capped by `max_concurrent_trials`).

    Trainables travel with cloudpickle, so closures and lambdas work. A worker that dies fails its trial and is
    replaced. Each start of a trial is a run with its own token: a run told PAUSE or STOP keeps its worker (and its
    slot) until its end message is read, while the same trial may already run again in another worker.
    """

    def __init__(self, max_workers: int | None = None, *, start_method: str | None = None):
        if max_workers is not None and (isinstance(max_workers, bool) or not isinstance(max_workers, int)
                                        or max_workers < 1):
            raise AsktellValueError(f"`max_workers` must be an int >= 1, but got {max_workers!r}")
        self.max_workers = max_workers
        self._context = _context(start_method)
        self._payload = b""
        self._size = 1
        self._runs = 0
        self._idle: list[_Worker] = []
        self._busy: dict[str, _Worker] = {}  # trial_id -> the worker of its current run
        self._ending: list[_Worker] = []  # told PAUSE/STOP; their end message is still unread

    def setup(self, trainable, *, resources_per_trial=None, max_concurrent_trials=None) -> None:
        resources = dict(resources_per_trial or {})
        gpus = resources.pop("gpu", 0) or 0
        cpus = resources.pop("cpu", 1)
        resources.pop("memory", None)
        if gpus or resources:
            raise AsktellValueError(
                f"ProcessExecutor schedules CPUs only, but resources_per_trial asks for "
                f"{ {'gpu': gpus, **resources} if gpus else resources}; use hpo_ray.RayExecutor for GPUs and custom resources"
            )
        if not isinstance(cpus, (int, float)) or cpus <= 0:
            raise AsktellValueError(f"resources_per_trial['cpu'] must be a number > 0, but got {cpus!r}")
        try:
            self._payload = dumps_trainable(trainable)  # tracebacks keep the user's file names
        except Exception as exc:
            raise AsktellTypeError(f"the trainable {trainable!r} cannot be pickled for the worker processes: {exc}"
                                   ) from exc
        size = max(1, math.floor((os.cpu_count() or 1) / cpus))
        for cap in (self.max_workers, max_concurrent_trials):
            if cap:
                size = min(size, cap)
        self._size = size

    def free_slots(self) -> int:
        return self._size - len(self._busy) - len(self._ending)

    def running(self) -> set[str]:
        """Trials with a run in a worker, including runs told to end whose end message is still unread."""
        return set(self._busy) | {worker.trial_id for worker in self._ending}

    def start(self, suggestion: Suggestion) -> None:
        if suggestion.trial_id in self._busy:
            raise AsktellValueError(f"ProcessExecutor.start(): trial {suggestion.trial_id} is already running")
        worker = self._idle.pop() if self._idle else _Worker(self._context, self._payload)
        self._runs += 1
        worker.trial_id, worker.token, worker.waiting = suggestion.trial_id, f"{suggestion.trial_id}#{self._runs}", False
        self._busy[suggestion.trial_id] = worker
        worker.send((worker.token, suggestion))

    def poll(self, timeout: float) -> list[Event]:
        if not self._busy and not self._ending:
            return []
        by_conn = {w.conn: w for w in (*self._busy.values(), *self._ending)}
        events: list[Event] = []
        for conn in wait(list(by_conn), timeout):
            event = self._receive(by_conn[conn])
            if event is not None:
                events.append(event)
        return events

    def _receive(self, worker: _Worker) -> Event | None:
        trial_id = worker.trial_id
        current = self._busy.get(trial_id) is worker
        try:
            message = cloudpickle.loads(worker.conn.recv_bytes())
            if message[0] == "report" and message[3]:  # its checkpoint's pickle follows
                message = (*message[:3], PickledCheckpoint(worker.reader.read()))
        except (EOFError, OSError):
            self._forget(worker)
            worker.process.join(1.0)
            code = worker.process.exitcode
            worker.close_connection()
            if not current:
                return None  # its run had been told to end anyway
            return Failed(trial_id, f"the worker process running trial {trial_id} died (exit code {code})")
        kind, token = message[0], message[1]
        if kind == "report":
            if not current or token != worker.token:  # a run told to end reports no more: drop it, end it again
                worker.send(Decision.STOP)
                return None
            _, _, metrics, checkpoint = message
            worker.waiting = True
            return Reported(trial_id, metrics, checkpoint or None)
        outcome = message[2]
        self._forget(worker)
        worker.trial_id = worker.token = None
        self._idle.append(worker)
        if not current:
            return None
        if outcome.error is not None:
            return Failed(trial_id, outcome.error)
        return None if outcome.stopped is not None else Completed(trial_id)

    def _forget(self, worker: _Worker) -> None:
        if self._busy.get(worker.trial_id) is worker:
            del self._busy[worker.trial_id]
        if worker in self._ending:
            self._ending.remove(worker)

    def apply(self, trial_id: str, decision: Decision) -> None:
        worker = self._busy.get(trial_id)
        if worker is None or not worker.waiting:
            return
        worker.waiting = False
        worker.send(decision)
        if decision is not Decision.CONTINUE:  # the run ends at this report: the trial may start again at once
            del self._busy[trial_id]
            self._ending.append(worker)

    def shutdown(self) -> None:
        for worker in [*self._busy.values(), *self._ending]:
            if worker.waiting:
                with contextlib.suppress(OSError):
                    worker.send(Decision.STOP)
            worker.close(timeout=1.0)
        self._busy.clear()
        self._ending.clear()
        for worker in self._idle:
            worker.close()
        self._idle.clear()
