"""The worker side: a `TrialRunner` actor runs one trial at a time in a thread and streams its reports in batches.

The trainable runs in its own thread with an `hpo_core` session, so `hpo_core.report` / `get_checkpoint` work
unchanged. A report is appended to a buffer and the trainable goes on; the driver's `start`/`fetch` calls take the
buffer as one batch (one round trip per batch, not per report). A trainable that is `max_lag` reports ahead of the
decisions waits, so a STOP/PAUSE reaches it at most `max_lag` reports after the one that got it (1 = every report
waits for its decision). A `fetch(stop=...)` call is the decision STOP/PAUSE: the trainable ends at its next report.
"""
from __future__ import annotations

import dataclasses
import os
import threading
import time
import traceback
from typing import Any

import cloudpickle

from hpo_core.enums import Decision
from hpo_core.executors.process import _raiser
from hpo_core.executors.worker import Outcome, run_trial
from hpo_core.suggestion import Suggestion

from .checkpoint import decode, encode

# (reports, outcome): reports are (metrics, checkpoint bytes or None); outcome is None while the trial runs on
Batch = tuple[list[tuple[dict[str, Any], bytes | None]], Outcome | None]


class Channel:
    """Reports from the trainable thread to the driver's calls, and the STOP/PAUSE decision back."""

    def __init__(self, max_lag: int, batch_wait_s: float):
        self.cond = threading.Condition()
        self.max_lag = max_lag
        self.batch_wait_s = batch_wait_s
        self.reports: list[tuple[dict[str, Any], bytes | None]] = []
        self.sent = 0  # reports made
        self.delivered = 0  # reports handed to the driver
        self.decided = 0  # reports whose decision the driver has taken (all delivered before its latest call)
        self.stop: Decision | None = None
        self.outcome: Outcome | None = None

    # --- the trainable's side ---------------------------------------------------------------------------------
    def send(self, metrics: dict[str, Any], checkpoint: Any) -> Decision | None:
        payload = None if checkpoint is None else encode(checkpoint)
        with self.cond:
            if self.stop is None:
                self.reports.append((metrics, payload))
                self.sent += 1
                self.cond.notify_all()
                while self.stop is None and self.sent - self.decided >= self.max_lag:
                    self.cond.wait()
            return self.stop

    def finish(self, outcome: Outcome) -> None:
        with self.cond:
            self.outcome = outcome
            self.cond.notify_all()

    # --- the driver's side ------------------------------------------------------------------------------------
    def take(self) -> Batch:
        """The next batch: waits for a first report (or the end), then briefly for more, up to the lag limit."""
        with self.cond:
            self.decided = self.delivered
            self.cond.notify_all()
            while not self.reports and self.outcome is None:
                self.cond.wait()
            until = time.monotonic() + self.batch_wait_s
            while self.outcome is None and self.sent - self.decided < self.max_lag:
                left = until - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            reports, self.reports = self.reports, []
            self.delivered += len(reports)
            return reports, self.outcome

    def halt(self, decision: Decision, grace_s: float) -> Outcome | None:
        """Deliver STOP/PAUSE; wait up to `grace_s` for the trainable to unwind (None: it is still running)."""
        with self.cond:
            self.stop = decision
            self.reports.clear()
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.outcome is not None, timeout=grace_s)
            return self.outcome


class TrialRunner:
    """The Ray actor class (made remote by the executor). One trial at a time; reused across trials."""

    def __init__(self, trainable_payload: bytes, max_lag: int, batch_wait_s: float):
        try:
            self._trainable = cloudpickle.loads(trainable_payload)
        except Exception as exc:  # noqa: BLE001 - e.g. a module the trainable needs is missing on this node
            self._trainable = _raiser(exc)
        self._max_lag = max_lag
        self._batch_wait_s = batch_wait_s
        self._lock = threading.Lock()
        self._token: str | None = None  # the run whose channel is current
        self._channel: Channel | None = None
        self._cancelled: set[str] = set()  # runs halted before their start call ran (calls may overtake)

    def start(self, token: str, suggestion: Suggestion, checkpoint: bytes | None) -> tuple[Batch, str]:
        """Begin run `token` of `suggestion` (restoring `checkpoint` bytes); its first batch and where it runs."""
        with self._lock:
            if token in self._cancelled:
                self._cancelled.discard(token)
                return ([], Outcome(stopped=Decision.STOP)), where()
            channel = self._channel = Channel(self._max_lag, self._batch_wait_s)
            self._token = token
        restored = dataclasses.replace(suggestion, checkpoint=decode(checkpoint))

        def body() -> None:
            try:
                outcome = run_trial(self._trainable, restored, channel.send)
            except BaseException:  # noqa: BLE001 - SystemExit and the like escape run_trial: a failure, not a hang
                outcome = Outcome(error=traceback.format_exc())
            channel.finish(outcome)

        threading.Thread(target=body, name=f"trial-{suggestion.trial_id}", daemon=True).start()
        return channel.take(), where()

    def fetch(self) -> Batch:
        """Every report handed out so far was decided CONTINUE: the next batch."""
        return self._channel.take()

    def halt(self, token: str, decision: Decision, grace_s: float) -> Outcome | None:
        """STOP or PAUSE run `token`; None when it did not reach a report within `grace_s`."""
        with self._lock:
            if self._token != token:  # its start call has not run yet: it never will
                self._cancelled.add(token)
                return Outcome(stopped=decision)
            channel = self._channel
        return channel.halt(decision, grace_s)

def where() -> str:
    """Where this worker runs, for error messages."""
    import ray

    return f"node {ray.get_runtime_context().get_node_id()[:12]}, pid {os.getpid()}"
