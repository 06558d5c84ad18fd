"""`Appender`: one background thread that writes derived files (params.json, the loggers' files), so the driver
never waits on the disk for them.

The loggers only format a result and hand the bytes over: `write()` appends to a queue, without waking the thread
(a wake-up per report would cost the driver more than the write). The thread empties the queue every
`INTERVAL_S` (or at once on `drain()`), appends each file's bytes in order, keeps up to `MAX_OPEN_FILES` files open
and closes a trial's files when told. `drain(timeout)` waits until everything handed over so far is written and
every file closed. A failing file (a full disk, a folder that went away) is reported once and skipped; it never
stops the thread. These files are derived data: the journal is the source of truth and a resume rewrites them.
"""
from __future__ import annotations

import logging
import os
import threading
from collections import deque
from typing import IO

logger = logging.getLogger("asktell")

MAX_OPEN_FILES = 64
INTERVAL_S = 0.05
DRAIN_TIMEOUT_S = 60.0
_WRITE, _CLOSE, _DRAIN, _REMOVE = 0, 1, 2, 3


class Appender:
    """Writes files in the background; see the module docstring.

    ```
    appender = Appender()
    appender.write("/tmp/a.txt", b"one line\\n")
    appender.drain()          # written and closed
    ```
    """

    def __init__(self) -> None:
        self._items: deque[tuple] = deque()  # handed over, not yet taken (append/popleft are thread-safe)
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._files: dict[str, IO[bytes]] = {}
        self._failed: set[str] = set()

    def write(self, path: str, data: bytes, *, truncate: bool = False) -> None:
        self._put((_WRITE, path, data, truncate))

    def close(self, path: str) -> None:
        self._put((_CLOSE, path, None, False))

    def remove_others(self, folder: str, prefix: str, keep: str) -> None:
        """Remove the files in `folder` whose names start with `prefix`, except `keep` (stale logger files)."""
        self._put((_REMOVE, folder, prefix, keep))

    def drain(self, timeout: float = DRAIN_TIMEOUT_S) -> bool:
        """Wait until every write handed over so far is done and every file closed; False after `timeout` s."""
        if self._thread is None:
            return True
        done = threading.Event()
        self._put((_DRAIN, "", done, False))
        self._wake.set()
        if done.wait(timeout):
            return True
        logger.warning("logger files still being written after %s s; going on without them", timeout)
        return False

    def _put(self, item: tuple) -> None:
        self._items.append(item)
        if self._thread is None:  # the thread never ends (its loop survives any error), so started once
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._loop, name="asktell-loggers", daemon=True)
                    self._thread.start()

    def _loop(self) -> None:
        while True:
            self._wake.wait(INTERVAL_S)
            self._wake.clear()
            items, busy = self._items, False
            while items:
                item = items.popleft()
                try:
                    self._do(*item)
                except Exception:  # a bug in one item must not silence every later write
                    logger.exception("logger files: writing %s failed", item[1])
                    if item[0] == _DRAIN:
                        item[2].set()
                busy = True
            if not busy:
                self._each(lambda handle: handle.flush())  # idle: what is written becomes visible to readers

    def _do(self, kind: int, path: str, data, option) -> None:
        if kind == _WRITE:
            self._append(path, data, option)
        elif kind == _CLOSE:
            self._close(path)
        elif kind == _REMOVE:
            _remove_others(path, data, option)
        else:  # drain: close everything, then say so (whatever failed on the way)
            try:
                for name in list(self._files):
                    self._close(name)
            finally:
                data.set()

    def _append(self, path: str, data: bytes, truncate: bool) -> None:
        try:
            handle = self._files.get(path)
            if handle is None or truncate:
                if handle is not None:
                    self._close(path)
                handle = self._files[path] = _open(path, "wb" if truncate else "ab")
                if len(self._files) > MAX_OPEN_FILES:  # many paused trials: close the oldest
                    self._close(next(iter(self._files)))
            handle.write(data)
        except OSError as error:
            self._files.pop(path, None)
            self._warn(path, error)

    def _close(self, path: str) -> None:
        handle = self._files.pop(path, None)
        if handle is not None:
            try:
                handle.close()
            except OSError as error:  # the buffered bytes could not be written (a full disk)
                self._warn(path, error)

    def _each(self, action) -> None:
        for path, handle in list(self._files.items()):
            try:
                action(handle)
            except OSError as error:
                self._files.pop(path, None)
                self._warn(path, error)

    def _warn(self, path: str, error: OSError) -> None:
        if path not in self._failed:
            self._failed.add(path)
            logger.warning("logger cannot write %s: %s", path, error)


def _open(path: str, mode: str) -> IO[bytes]:
    try:
        return open(path, mode)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return open(path, mode)


def _remove_others(folder: str, prefix: str, keep: str) -> None:
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and name != keep:
            try:
                os.remove(os.path.join(folder, name))
            except OSError:
                pass


_SHARED: list[Appender] = []
os.register_at_fork(after_in_child=_SHARED.clear)  # a forked child has no writer thread: it makes its own


def shared_appender() -> Appender:
    """The process's one `Appender` for derived files (the loggers' and the recorder's): one thread, not one each."""
    if not _SHARED:
        _SHARED.append(Appender())
    return _SHARED[0]
