"""TensorBoard logger through tensorboardX (used when it is installed): numeric results as scalars per trial.

tensorboardX's `SummaryWriter` starts a thread and a multiprocessing queue per writer and fsyncs on every flush and
close (~30 ms per trial here), and building its `Event`/`Summary` protobuf objects costs ~50-90 µs a report. This
logger writes the same event files itself: each `Event` (wall_time, step, a `Summary` of `simple_value`s) is encoded
straight to protobuf's wire format, with the encoded tag of each metric cached (~10 µs a report), framed as a
TFRecord with tensorboardX's masked CRC32C (computed in C when the `crc32c` package is installed, as the
`tensorboard` extra does: ~1 µs a record instead of ~0.1 ms), and written by the loggers' background `Appender`.
"""
from __future__ import annotations

import importlib.util
import math
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

    def __init__(self) -> None:
        super().__init__()
        self._crc: Any = None
        self._host = socket.gethostname()
        self._tags: dict[str, bytes] = {}  # metric -> the encoded start of its Summary.Value

    def setup(self, **info: Any) -> None:
        self._crc = _tbx()[2]

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        if trial.path is None or len(trial.results) < self.min_results:
            return
        if self._crc is None:
            self._crc = _tbx()[2]
        path = self._paths.get(trial.trial_id)
        if path is not None:
            self.appender.write(path, self._record(self._event(result)))
            return
        # the trial's first result in this process: a new event file holding its whole journaled history, and
        # no other event file in its folder (one from a killed run may hold results its journal lost)
        name = f"{PREFIX}{int(time.time())}.{self._host}.{trial.trial_id}"
        path = self._paths[trial.trial_id] = os.path.join(trial.path, name)
        history = trial.results if trial.results and trial.results[-1] is result else [result]
        events = [_VERSION_EVENT_HEAD + struct.pack("<d", time.time()) + _VERSION_EVENT_TAIL,
                  *map(self._event, history)]
        self.appender.write(path, b"".join(map(self._record, events)), truncate=True)
        self.appender.remove_others(trial.path, PREFIX, name)

    def _event(self, result: dict[str, Any]) -> bytes:
        """`Event(wall_time, step, summary=Summary(value=[Value(tag, simple_value), ...]))` in wire format."""
        values = []
        tags = self._tags
        for key, value in result.items():
            if key == "config" or key == "training_iteration":
                continue
            if type(value) is dict:
                values += [self._value(f"{key}/{inner}", item) for inner, item in flatten(value).items()
                           if isinstance(item, numbers.Real) and not isinstance(item, bool)]
            elif type(value) is float or type(value) is int:
                head = tags.get(key)
                values.append((head or self._head(key)) + _float32(value))
            elif isinstance(value, numbers.Real) and not isinstance(value, bool):
                values.append(self._value(key, value))
        summary = b"".join(values)
        step = int(result.get("training_iteration", 0))
        wall = float(result.get("timestamp", time.time()))
        return b"".join((b"\x09", _DOUBLE(wall), b"\x10", _varint(step if step >= 0 else step + (1 << 64)),
                         b"\x2a", _varint(len(summary)), summary))

    def _value(self, key: str, value: Any) -> bytes:
        return (self._tags.get(key) or self._head(key)) + _float32(float(value))

    def _head(self, key: str) -> bytes:
        """Summary.value (field 1) of a Value with its tag (field 1) and the key of simple_value (field 2)."""
        tag = f"asktell/{key}".encode()
        inner = b"\x0a" + _varint(len(tag)) + tag + b"\x15"
        head = self._tags[key] = b"\x0a" + _varint(len(inner) + 4) + inner
        return head

    def _record(self, body: bytes) -> bytes:
        """One TFRecord: length, masked CRC32C of the length, the event, masked CRC32C of the event."""
        crc = self._crc
        head = struct.pack("<Q", len(body))
        return head + struct.pack("<I", crc(head)) + body + struct.pack("<I", crc(body))


_PACK_FLOAT = struct.Struct("<f").pack


def _float32(value: float) -> bytes:
    try:
        return _PACK_FLOAT(value)
    except (OverflowError, struct.error):  # beyond float32 (or a huge int): infinite, as protobuf stores it
        return _PACK_FLOAT(math.copysign(math.inf, value))


_DOUBLE = struct.Struct("<d").pack
_VERSION_EVENT_HEAD = b"\x09"  # Event.wall_time (field 1, double), then Event.file_version (field 3, string)
_VERSION_EVENT_TAIL = b"\x1a\x0dbrain.Event:2"


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        bits = number & 0x7F
        number >>= 7
        if number:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)
