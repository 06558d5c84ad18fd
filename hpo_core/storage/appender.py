"""`Appender`: one background thread that writes derived files (params.json, the loggers' files), so the driver
never waits on the disk for them.

The loggers only format a result and queue the bytes; the thread appends them (in queue order), keeps up to
`MAX_OPEN_FILES` files open, flushes them whenever the queue is idle, and closes a trial's files when told.
`drain()` blocks until everything queued so far is on its way to the OS (the loggers call it at the end of a run).
These files are derived data: the journal is the source of truth and a resume rewrites them from it.
"""
from __future__ import annotations

import logging
import os
import queue
import threading
from typing import IO

logger = logging.getLogger("asktell")

MAX_OPEN_FILES = 64


class Appender:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def write(self, path: str, data: bytes, *, truncate: bool = False) -> None:
        self._put(("write", path, data, truncate))

    def close(self, path: str) -> None:
        self._put(("close", path, b"", False))

    def drain(self) -> None:
        """Wait until every queued write is done, and flush and close every file."""
        if self._thread is None:
            return
        done = threading.Event()
        self._put(("drain", "", done, False))
        done.wait()

    def _put(self, item: tuple) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._loop, name="asktell-loggers", daemon=True)
                    self._thread.start()
        self._queue.put(item)

    def _loop(self) -> None:
        files: dict[str, IO[bytes]] = {}
        failed: set[str] = set()
        while True:
            try:
                kind, path, data, truncate = self._queue.get(timeout=1.0)
            except queue.Empty:
                for handle in files.values():
                    handle.flush()
                continue
            if kind == "drain":
                for handle in files.values():
                    handle.close()
                files.clear()
                data.set()
            elif kind == "close":
                handle = files.pop(path, None)
                if handle is not None:
                    handle.close()
            else:
                try:
                    handle = files.get(path)
                    if handle is None or truncate:
                        if handle is not None:
                            handle.close()
                        handle = files[path] = _open(path, "wb" if truncate else "ab")
                        if len(files) > MAX_OPEN_FILES:  # many paused trials: close the oldest
                            files.pop(next(iter(files))).close()
                    handle.write(data)
                except OSError as error:
                    files.pop(path, None)
                    if path not in failed:
                        failed.add(path)
                        logger.warning("logger cannot write %s: %s", path, error)


def _open(path: str, mode: str) -> IO[bytes]:
    try:
        return open(path, mode)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return open(path, mode)
