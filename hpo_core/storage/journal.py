"""The experiment journal: an append-only file of JSON lines, one per state change, the source of truth.

Durability model (one knob, `sync_interval_s`, as PostgreSQL's `synchronous_commit = off` + `wal_writer_delay`):

* every record is handed to the OS with one unbuffered `write()` of a whole line before the driver acts on it, so a
  killed driver (SIGKILL, OOM) loses nothing it acknowledged and leaves at most one torn last line, which readers
  skip and a resuming writer cuts off;
* `fsync` (which makes the records survive a machine crash) runs at most every `sync_interval_s` seconds on a
  background thread (default 1 s: a crash of the machine loses at most that window), whenever a checkpoint the
  journal names is stored, and at close; `sync_interval_s=0` fsyncs every batch of records before the driver acts
  on it, at the disk's cost (~1 ms per batch here).

`ASKTELL_JOURNAL_FSYNC=0` turns fsync off entirely (tests, throwaway folders): safe against a killed process only.
"""
from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import AsktellValueError
from .layout import dumps

FSYNC_ENV = "ASKTELL_JOURNAL_FSYNC"
FORMAT_VERSION = 1
SYNC_INTERVAL_S = 1.0


def fsync_default() -> bool:
    return os.environ.get(FSYNC_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def check_sync_interval(value: Any) -> float:
    """`sync_interval_s` as a float >= 0, else a clear error naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0 or math.isnan(value):
        raise AsktellValueError(f"`sync_interval_s` must be a number of seconds >= 0, but got {value!r}")
    return float(value)


class Journal:
    """Appends records to `path`; on open, a torn last line left by a crash is cut off.

    Args:
        path: the journal file (created when missing).
        sync_interval_s: the longest time a written record waits for its fsync (see the module docstring);
            0 fsyncs every batch in `sync()`.
        fsync: False turns fsync off entirely (default: on unless `ASKTELL_JOURNAL_FSYNC=0`).

    ```
    journal = Journal("/tmp/j.jsonl", sync_interval_s=0.5)
    journal.write({"ev": "note", "t": 0.0})   # in the OS now; durable within 0.5 s
    journal.close()                            # durable now
    ```
    """

    def __init__(self, path: str, *, sync_interval_s: float = SYNC_INTERVAL_S, fsync: bool | None = None):
        self.path = path
        self.sync_interval_s = check_sync_interval(sync_interval_s)
        self.fsync = fsync_default() if fsync is None else fsync
        _cut_torn_tail(path)
        self._handle = open(path, "ab", buffering=0)  # noqa: SIM115 - open for the whole run
        self.records_written = 0
        self._synced = 0  # records_written at the start of the last fsync
        self._lock = threading.Lock()  # one fsync at a time (driver, syncer and checkpoint threads)
        self._wake = threading.Event()
        self._closed = False
        self._syncer: threading.Thread | None = None

    def write(self, record: dict[str, Any], *, result: str | None = None) -> None:
        """Append one record: one unbuffered write() of the whole line, so a killed process leaves whole lines.
        `result`: the record's "r" field, already encoded (see `layout.result_json`)."""
        line = dumps(record)
        if result is not None:
            line = f'{line[:-1]},"r":{result}}}'
        self._handle.write((line + "\n").encode("utf-8"))
        self.records_written += 1
        if self._syncer is None and self.fsync and self.sync_interval_s > 0:
            self._start_syncer()

    def sync(self) -> None:
        """The driver's call before it acts on a batch: the records are written already; with
        `sync_interval_s=0` they are fsynced here too (one fsync per batch), else the syncer thread does it."""
        if self.sync_interval_s == 0:
            self.sync_now()

    def sync_now(self) -> None:
        """fsync every record written so far (any thread; a no-op when nothing new was written)."""
        if not self.fsync:
            return
        with self._lock:
            written = self.records_written
            if written != self._synced and not self._handle.closed:
                os.fsync(self._handle.fileno())
                self._synced = written

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        if self._syncer is not None:
            self._syncer.join()
        self.sync_now()
        with self._lock:
            self._handle.close()

    def _start_syncer(self) -> None:
        self._syncer = threading.Thread(target=self._sync_loop, name="asktell-journal-sync", daemon=True)
        self._syncer.start()

    def _sync_loop(self) -> None:
        while not self._wake.wait(self.sync_interval_s):
            try:
                self.sync_now()
            except OSError:  # the disk is failing: the next close() reports it
                return


@dataclass(frozen=True)
class JournalDamage:
    """A complete journal line that is no valid record (a torn *last* line is expected after a kill, not damage)."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class JournalContents:
    """What `read_journal` found: the valid records with their line numbers, and the damaged lines."""

    records: list[dict[str, Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the line number of each record
    damage: list[JournalDamage] = field(default_factory=list)
    end: int = 0  # the byte after the last complete line read: where the next read starts
    next_line: int = 1  # the number of the line that starts there

    def numbered(self) -> Iterator[tuple[int, dict[str, Any]]]:
        return zip(self.lines, self.records)

    def describe_damage(self, path: str, limit: int = 5) -> str:
        shown = "; ".join(str(d) for d in self.damage[:limit])
        more = f" (and {len(self.damage) - limit} more)" if len(self.damage) > limit else ""
        return f"{path} has {len(self.damage)} damaged line(s): {shown}{more}"


# the fields each event needs, with their types: a record without them is damage, not a KeyError later
_NEEDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "header": {"seed": dict},
    "ask": {"id": str, "cfg": dict},
    "tell": {"id": str, "r": dict},
    "done": {"id": str},
    "requeue": {"id": str},
    "none": {"n": int},
}
_OPTIONAL: dict[str, type | tuple[type, ...]] = {"dir": str, "ck": str, "sck": list, "it": int, "st": dict,
                                                 "ex": dict, "t": (int, float)}
_STATUSES = {"PENDING", "RUNNING", "PAUSED", "TERMINATED", "ERROR"}


def read_journal(path: str, *, offset: int = 0, first_line: int = 1) -> JournalContents:
    """Parse a journal (also one that is being written to), checking every record; never raises on damage.

    A reader that follows a growing journal passes the `end` and `next_line` of its last read as `offset` and
    `first_line`: only the bytes appended since are read (a line still being written is left for the next read).
    """
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read()
    lines = data.split(b"\n")  # the last item is "" or the torn last line of a killed (or still writing) writer
    contents = JournalContents(end=offset + len(data) - len(lines[-1]), next_line=first_line + len(lines) - 1)
    for number, line in enumerate(lines[:-1], start=first_line):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            contents.damage.append(JournalDamage(number, "not a JSON record"))
            continue
        problem = record_problem(record)
        if problem is not None:
            contents.damage.append(JournalDamage(number, problem))
            continue
        contents.records.append(record)
        contents.lines.append(number)
    return contents


def record_problem(record: Any) -> str | None:
    """Why `record` is no valid journal record (a missing or mistyped field, a path that leaves its folder)."""
    if not isinstance(record, dict) or not isinstance(record.get("ev"), str):
        return "not a journal record (no event)"
    event = record["ev"]
    for key, kind in {**_NEEDS.get(event, {}), **_OPTIONAL}.items():
        if key not in record and key not in _NEEDS.get(event, {}):
            continue
        value = record.get(key)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            return f"{event!r} record with a missing or bad {key!r} ({value!r})"
    for key in ("dir", "ck"):
        if key in record and not is_plain_name(record[key], empty_ok=key == "ck"):
            return f"{event!r} record whose {key!r} {record[key]!r} points outside the experiment folder"
    if any(status not in _STATUSES for status in record.get("st", {}).values()):
        return f"{event!r} record with an unknown status in {record['st']!r}"
    return None


def is_plain_name(name: str, *, empty_ok: bool = False) -> bool:
    """True for one file or folder name: no separator, not `.`/`..`, no NUL (so it stays inside its folder)."""
    if name == "":
        return empty_ok
    return name not in (".", "..") and not any(ch in name for ch in "/\\\x00")


def read_records(path: str) -> Iterator[dict[str, Any]]:
    """Every valid record of a journal; a torn last line and damaged lines are left out (see `read_journal`)."""
    yield from read_journal(path).records


def _cut_torn_tail(path: str) -> None:
    """Drop bytes after the last newline (half a record from a killed writer), so appends start on a fresh line."""
    if not os.path.exists(path):
        return
    with open(path, "rb+") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if size == 0:
            return
        block = 1 << 16
        end = size
        while end > 0:
            start = max(0, end - block)
            handle.seek(start)
            chunk = handle.read(end - start)
            index = chunk.rfind(b"\n")
            if index >= 0:
                keep = start + index + 1
                break
            end = start
        else:
            keep = 0
        if keep < size:
            handle.truncate(keep)
            handle.flush()
            os.fsync(handle.fileno())
