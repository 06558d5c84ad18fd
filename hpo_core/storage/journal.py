"""The experiment journal: an append-only file of JSON lines, one per state change, the source of truth.

Each record is written with one `write()` of a whole line, flushed, and (by default) fsynced before the driver acts
on it, so a SIGKILL at any moment leaves a valid prefix plus at most one torn last line, which readers skip and a
resuming writer cuts off. Set `ASKTELL_JOURNAL_FSYNC=0` to flush without fsync (still safe against a killed process,
not against a power cut).
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from .layout import dumps

FSYNC_ENV = "ASKTELL_JOURNAL_FSYNC"
FORMAT_VERSION = 1


def fsync_default() -> bool:
    return os.environ.get(FSYNC_ENV, "1").strip().lower() not in ("0", "false", "no", "off")


class Journal:
    """Appends records to `path`; on open, a torn last line left by a crash is cut off."""

    def __init__(self, path: str, *, fsync: bool | None = None):
        self.path = path
        self.fsync = fsync_default() if fsync is None else fsync
        _cut_torn_tail(path)
        self._handle = open(path, "ab", buffering=0)  # noqa: SIM115 - open for the whole run
        self.records_written = 0
        self._dirty = False

    def write(self, record: dict[str, Any]) -> None:
        """Append one record: one unbuffered write() of the whole line, so a killed process leaves whole lines."""
        line = (dumps(record) + "\n").encode("utf-8")
        self._handle.write(line)
        self._dirty = True
        self.records_written += 1

    def sync(self) -> None:
        """Make the records written so far durable (one fsync for a whole batch of them: group commit)."""
        if self._dirty and self.fsync:
            os.fsync(self._handle.fileno())
        self._dirty = False

    def close(self) -> None:
        if not self._handle.closed:
            if self.fsync:
                os.fsync(self._handle.fileno())
            self._handle.close()


def read_records(path: str) -> Iterator[dict[str, Any]]:
    """Every complete record of a journal (also one that is being written to); a torn or bad line is skipped."""
    with open(path, "rb") as handle:
        data = handle.read()
    yield from _parse(data)


def read_appended(path: str, offset: int) -> tuple[list[dict[str, Any]], int]:
    """The records written after byte `offset`, and the offset to read from next time.

    Only the appended bytes are read; a last line without its newline yet (a write in progress) is left for the
    next call. A reader that follows a running experiment calls this with the offset it got back.
    """
    with open(path, "rb") as handle:
        handle.seek(offset)
        data = handle.read()
    end = data.rfind(b"\n") + 1
    return list(_parse(data[:end])), offset + end


def _parse(data: bytes) -> Iterator[dict[str, Any]]:
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue  # the torn last line of a crashed or running writer
        if isinstance(record, dict) and "ev" in record:
            yield record


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
