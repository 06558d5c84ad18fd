"""TensorBoard logger through tensorboardX (used when it is installed): numeric results as scalars per trial.

tensorboardX's `SummaryWriter` starts a thread and a multiprocessing queue per writer and fsyncs on every flush and
close (~30 ms per trial here), so this logger writes the same event files with tensorboardX's lower layer instead:
its `Event`/`Summary` protobufs and its masked CRC32C for the TFRecord framing (computed in C when the `crc32c`
package is installed, as the `tensorboard` extra does: ~1 µs a record instead of ~0.1 ms), through the loggers'
background `Appender`.
"""
from __future__ import annotations

import importlib.util
import numbers
import os
import socket
import struct
import sys
import time
from typing import Any

from .files import PerTrialWriters, flatten

PREFIX = "events.out.tfevents."


def tensorboardx_available() -> bool:
    return importlib.util.find_spec("tensorboardX") is not None


def _tbx() -> tuple[Any, Any, Any]:
    """(Event, Summary, masked_crc32c) from tensorboardX. Importing tensorboardX tries `import torch` only to accept
    tensors (seconds of import time); we log plain floats, so unless torch is loaded already that import is made
    to fail, just for this."""
    blocked = "tensorboardX" not in sys.modules and "torch" not in sys.modules
    if blocked:
        sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError meanwhile
    try:
        from tensorboardX.proto.event_pb2 import Event
        from tensorboardX.proto.summary_pb2 import Summary
        from tensorboardX.record_writer import masked_crc32c
    finally:
        if blocked and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return Event, Summary, masked_crc32c


class TBXLoggerCallback(PerTrialWriters):
    """Event files in each trial's folder (`tensorboard --logdir <experiment folder>`), step = training_iteration;
    from a trial's second result on (a curve), with its whole history."""

    min_results = 2

    def __init__(self) -> None:
        super().__init__()
        self._tbx: tuple[Any, Any, Any] | None = None
        self._host = socket.gethostname()
        self._version: bytes | None = None

    def setup(self, **info: Any) -> None:
        self._tbx = _tbx()

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        if trial.path is None or len(trial.results) < self.min_results:
            return
        if self._tbx is None:
            self._tbx = _tbx()
        event_class = self._tbx[0]
        path = self._paths.get(trial.trial_id)
        if path is not None:
            self.appender.write(path, self._event(result))
            return
        # the trial's first result in this process: a new event file holding its whole journaled history, and
        # no other event file in its folder (one from a killed run may hold results its journal lost)
        name = f"{PREFIX}{int(time.time())}.{self._host}.{trial.trial_id}"
        path = self._paths[trial.trial_id] = os.path.join(trial.path, name)
        if self._version is None:  # the same first record in every file this logger writes
            self._version = self._record(event_class(wall_time=time.time(), file_version="brain.Event:2"))
        history = trial.results if trial.results and trial.results[-1] is result else [result]
        self.appender.write(path, b"".join([self._version, *map(self._event, history)]), truncate=True)
        self.appender.remove_others(trial.path, PREFIX, name)

    def _event(self, result: dict[str, Any]) -> bytes:
        event_class, summary_class, _ = self._tbx
        values = [
            summary_class.Value(tag=f"asktell/{key}", simple_value=float(value))
            for key, value in flatten({k: v for k, v in result.items() if k != "config"}).items()
            if isinstance(value, numbers.Real) and not isinstance(value, bool) and key != "training_iteration"
        ]
        event = event_class(wall_time=float(result.get("timestamp", time.time())),
                            step=int(result.get("training_iteration", 0)), summary=summary_class(value=values))
        return self._record(event)

    def _record(self, event: Any) -> bytes:
        """One TFRecord: length, masked CRC32C of the length, the event, masked CRC32C of the event."""
        crc = self._tbx[2]
        body = event.SerializeToString()
        head = struct.pack("<Q", len(body))
        return head + struct.pack("<I", crc(head)) + body + struct.pack("<I", crc(body))
