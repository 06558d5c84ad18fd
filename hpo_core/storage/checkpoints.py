"""Checkpoint files of an experiment folder, written off the driver thread.

The driver pickles a reported checkpoint (the only part that must see the object as it was when reported) and
hands the bytes to one `CheckpointWriter` thread, which writes the files in the order they came (via a temporary
file and a rename, fsynced unless `ASKTELL_JOURNAL_FSYNC=0`). A trial's previous checkpoint file is removed only
after the new one is written and the journal that names it is fsynced; while another trial still holds it (a PBT
exploit restores a donor's checkpoint), it stays. A checkpoint superseded before the thread got to it is never
written: resume then falls back to the newest file that exists.

The driver applies the decision on a report only once its checkpoint file is written (the trial waits; the driver
goes on with other events), so whatever was acknowledged is on disk when a driver is killed.

In memory the experiment keeps a `DiskCheckpoint` per trial: the object itself only while the trial is live (it
may run again from it), the pickled bytes only until they are on disk, else just the file name.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
from typing import Any

from .journal import Journal
from .layout import write_atomic

logger = logging.getLogger("asktell")

_WRITE, _DELETE, _STOP = 0, 1, 2
PENDING_BYTES = 64 * 1024 * 1024  # pickled bytes queued at most (one larger checkpoint alone may exceed it)


class DiskCheckpoint:
    """A trial's checkpoint in the experiment folder: its file `path`, the `iteration` it was taken at, and, while
    needed, the object (`value`) or its pickled bytes (`data`, until written). `load()` returns the object."""

    __slots__ = ("data", "holders", "iteration", "path", "pending", "previous", "source", "value")

    def __init__(self, path: str, *, iteration: int = 0, value: Any = None, data: bytes | None = None,
                 source: str | None = None):
        self.path = path
        self.source = source  # another trial's file of the same checkpoint (a PBT exploit): linked, not rewritten
        self.iteration = iteration
        self.value = value
        self.data = data
        self.holders = 0  # trials whose kept checkpoints include this one
        self.pending = False  # queued for the writer thread and not yet written (or skipped, or failed)
        self.previous: DiskCheckpoint | None = None  # while a journal is replayed: the trial's one before it

    def load(self) -> Any:
        """The checkpoint object: the one in memory, else unpickled from the pending bytes or the file."""
        import cloudpickle

        if self.value is not None:
            return self.value
        data = self.data
        if data is not None:
            return cloudpickle.loads(data)
        path = self.path if self.source is None or os.path.exists(self.path) else self.source
        with open(path, "rb") as handle:
            return cloudpickle.load(handle)

    def forget_value(self) -> None:
        """The trial will not run again: keep only the file (or the bytes until they are written)."""
        self.value = None

    def __repr__(self) -> str:
        return f"DiskCheckpoint({os.path.basename(self.path)!r}, iteration={self.iteration})"


class CheckpointWriter:
    """One background thread that writes checkpoint files and removes the ones no trial holds any more.

    Args:
        journal: the experiment's journal; fsynced before a file is removed, so the line naming its successor is
            durable first (and its `fsync` setting decides whether checkpoint files are fsynced).
    """

    def __init__(self, journal: Journal, *, pending_bytes: int = PENDING_BYTES):
        self.journal = journal
        self.pending_bytes = pending_bytes
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._warned = False
        self._pending = 0  # bytes queued and not yet written or dropped
        self._room = threading.Condition()

    def make_room(self) -> None:
        """Call before pickling the next checkpoint: when the disk is slower than the reports, wait until fewer
        than `pending_bytes` / 2 are queued, so the driver holds at most about `pending_bytes` of pickles."""
        if self._pending * 2 < self.pending_bytes:
            return
        with self._room:
            while self._pending * 2 >= self.pending_bytes and self._alive():
                self._room.wait(1.0)

    def write(self, checkpoint: DiskCheckpoint) -> None:
        """Queue the file of `checkpoint` (its `data`)."""
        size = len(checkpoint.data or b"")
        with self._room:
            self._pending += size
        checkpoint.pending = True
        self._put(_WRITE, checkpoint, size)

    def release(self, checkpoint: DiskCheckpoint) -> None:
        """One holder less; with none left, its bytes are dropped (a pending write is skipped) and its file goes."""
        checkpoint.holders -= 1
        if checkpoint.holders <= 0:
            checkpoint.value = checkpoint.data = checkpoint.source = None  # a write still queued is skipped
            self._put(_DELETE, checkpoint)

    def close(self, timeout: float | None = None) -> bool:
        """Finish every queued write and removal; False if the thread did not end within `timeout` seconds."""
        thread = self._thread
        if thread is None:
            return True
        self._queue.put((_STOP, None, 0))
        thread.join(timeout)
        self._thread = None
        return not thread.is_alive()

    def _alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _put(self, kind: int, checkpoint: DiskCheckpoint, size: int = 0) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="asktell-checkpoints", daemon=True)
            self._thread.start()
        self._queue.put((kind, checkpoint, size))

    def _loop(self) -> None:
        while True:
            kind, checkpoint, size = self._queue.get()
            if kind == _STOP:
                return
            try:
                if kind == _WRITE:
                    data, source = checkpoint.data, checkpoint.source
                    try:  # neither: superseded (released) before its turn came
                        if data is not None:
                            write_atomic(checkpoint.path, data, sync=self.journal.fsync)
                        elif source is not None:
                            _link(source, checkpoint.path)
                        checkpoint.data = checkpoint.source = None  # from now on it loads from its own file
                    finally:
                        del data
                        checkpoint.pending = False
                        with self._room:
                            self._pending -= size
                            self._room.notify_all()
                else:
                    self.journal.sync_now()  # the line that names the successor is durable before this goes
                    try:
                        os.remove(checkpoint.path)
                    except FileNotFoundError:
                        pass
            except Exception as error:  # noqa: BLE001 - a failing disk costs crash-safety, not the experiment
                if not self._warned:
                    self._warned = True
                    logger.warning("cannot write or remove checkpoint %s: %s", checkpoint.path, error)


def _link(source: str, path: str) -> None:
    """A second name for a written checkpoint file (a copy where the file system has no hard links)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        os.link(source, f"{path}.tmp")
        os.replace(f"{path}.tmp", path)
    except FileExistsError:
        os.remove(f"{path}.tmp")
        _link(source, path)
    except OSError:
        with open(source, "rb") as handle:
            write_atomic(path, handle.read())


def newest_on_disk(checkpoint: DiskCheckpoint | None, *, load: bool) -> tuple[DiskCheckpoint | None, list]:
    """After a replay: the newest checkpoint of a trial's chain whose file exists (and, with `load`, unpickles;
    its object is then kept), and the older files of the chain that still exist (to be removed)."""
    found, older = None, []
    while checkpoint is not None:
        previous, checkpoint.previous = checkpoint.previous, None
        if checkpoint.path and os.path.isfile(checkpoint.path):
            if found is not None:
                older.append(checkpoint)
            elif not load:
                found = checkpoint
            else:
                try:
                    checkpoint.value = checkpoint.load()
                    found = checkpoint
                except Exception as error:  # noqa: BLE001 - any unpickling failure: an older one, or scratch
                    logger.warning("checkpoint %s cannot be loaded (%s): using an older one", checkpoint.path,
                                   error)
        checkpoint = previous
    return found, older
