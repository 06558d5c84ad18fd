"""`SerialExecutor`: one trial at a time inside this process; each report waits for its decision.

The trials run one after another on one worker thread, made at the first trial and kept (making a thread per trial
cost more than a trivial trial itself)."""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from ..enums import Decision
from ..suggestion import Suggestion
from .base import Completed, Event, Executor, Failed, Reported
from .worker import Outcome, run_trial


class _Ended:
    def __init__(self, trial_id: str, outcome: Outcome):
        self.trial_id, self.outcome = trial_id, outcome


class SerialExecutor(Executor):
    """Deterministic and debugger-friendly: no pickling, no processes; exceptions keep their full traceback."""

    def __init__(self) -> None:
        self._trainable: Callable | None = None
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._decisions: dict[str, queue.Queue] = {}
        self._waiting: set[str] = set()
        self._starts: queue.SimpleQueue = queue.SimpleQueue()  # (suggestion, its decisions) for the worker thread
        self._worker: threading.Thread | None = None

    def setup(self, trainable, *, resources_per_trial=None, max_concurrent_trials=None) -> None:
        self._trainable = trainable

    def free_slots(self) -> int:
        return 0 if self._decisions else 1

    def running(self) -> set[str]:
        return set(self._decisions)

    def start(self, suggestion: Suggestion) -> None:
        decisions: queue.SimpleQueue = queue.SimpleQueue()
        self._decisions[suggestion.trial_id] = decisions
        if self._worker is None or not self._worker.is_alive():  # its own queue: a stuck old one takes nothing
            self._starts = queue.SimpleQueue()
            self._worker = threading.Thread(target=self._work, args=(self._starts,), name="asktell-serial-trials",
                                            daemon=True)
            self._worker.start()
        self._starts.put((suggestion, decisions))

    def _work(self, starts: queue.SimpleQueue) -> None:
        """The worker thread: run each started trial to its end, until `shutdown` sends None."""
        while (item := starts.get()) is not None:
            suggestion, decisions = item

            def send(metrics: dict[str, Any], checkpoint: Any, trial_id=suggestion.trial_id, decisions=decisions):
                self._events.put(Reported(trial_id, metrics, checkpoint))
                return decisions.get()

            self._events.put(_Ended(suggestion.trial_id, run_trial(self._trainable, suggestion, send)))

    def poll(self, timeout: float) -> list[Event]:
        try:
            item = self._events.get(timeout=timeout)
        except queue.Empty:
            return []
        events: list[Event] = []
        while True:
            event = self._translate(item)
            if event is not None:
                events.append(event)
            try:
                item = self._events.get_nowait()
            except queue.Empty:
                return events

    def _translate(self, item: Reported | _Ended) -> Event | None:
        if isinstance(item, Reported):
            self._waiting.add(item.trial_id)
            return item
        self._decisions.pop(item.trial_id, None)
        self._waiting.discard(item.trial_id)
        if item.outcome.error is not None:
            return Failed(item.trial_id, item.outcome.error)
        return None if item.outcome.stopped is not None else Completed(item.trial_id)

    def apply(self, trial_id: str, decision: Decision) -> None:
        if trial_id in self._waiting:
            self._waiting.discard(trial_id)
            self._decisions[trial_id].put(decision)

    def shutdown(self) -> None:
        for trial_id in list(self._waiting):
            self.apply(trial_id, Decision.STOP)
        if self._worker is not None:
            self._starts.put(None)  # the worker ends after the trial it runs (stopped above)
            self._worker = None
