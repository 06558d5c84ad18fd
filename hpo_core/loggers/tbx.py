"""TensorBoard logger through tensorboardX (used when it is installed): numeric results as scalars per trial.

tensorboardX's `SummaryWriter` starts a thread and a multiprocessing queue per writer and fsyncs on every flush and
close (~30 ms per trial here), so this logger writes the same event files with tensorboardX's lower layer instead:
its `Event`/`Summary` protobufs and its `RecordWriter` (TFRecord framing with masked CRC32C), buffered, no thread.
"""
from __future__ import annotations

import importlib.util
import numbers
import os
import socket
import sys
import time
from typing import Any

from .files import PerTrialWriters, flatten


def tensorboardx_available() -> bool:
    return importlib.util.find_spec("tensorboardX") is not None


def _tbx() -> tuple[Any, Any, Any]:
    """(Event, Summary, RecordWriter) from tensorboardX. Importing tensorboardX tries `import torch` only to accept
    tensors (seconds of import time); we log plain floats, so unless torch is loaded already that import is made
    to fail, just for this."""
    blocked = "tensorboardX" not in sys.modules and "torch" not in sys.modules
    if blocked:
        sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError meanwhile
    try:
        from tensorboardX.proto.event_pb2 import Event
        from tensorboardX.proto.summary_pb2 import Summary
        from tensorboardX.record_writer import RecordWriter
    finally:
        if blocked and sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return Event, Summary, RecordWriter


class TBXLoggerCallback(PerTrialWriters):
    """Event files in each trial's folder (`tensorboard --logdir <experiment folder>`), step = training_iteration."""

    def __init__(self) -> None:
        super().__init__()
        self._tbx: tuple[Any, Any, Any] | None = None

    def setup(self, **info: Any) -> None:
        self._tbx = _tbx()

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        if trial.path is None:
            return
        if self._tbx is None:
            self._tbx = _tbx()
        event_class, summary_class, record_writer = self._tbx
        writer = self._files.get(trial.trial_id)
        if writer is None:
            self._make_room()
            os.makedirs(trial.path, exist_ok=True)
            name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{trial.trial_id}"
            writer = self._files[trial.trial_id] = record_writer(os.path.join(trial.path, name))
            writer.write(event_class(wall_time=time.time(), file_version="brain.Event:2").SerializeToString())
        values = [
            summary_class.Value(tag=f"asktell/{key}", simple_value=float(value))
            for key, value in flatten({k: v for k, v in result.items() if k != "config"}).items()
            if isinstance(value, numbers.Real) and not isinstance(value, bool) and key != "training_iteration"
        ]
        event = event_class(wall_time=float(result.get("timestamp", time.time())),
                            step=int(result.get("training_iteration", 0)), summary=summary_class(value=values))
        writer.write(event.SerializeToString())
