"""`FolderLock`: the exclusive lock a driver holds on its experiment folder, so two drivers never run one experiment.

The lock is an `flock` on `<folder>/driver.lock`, a file that also names its holder (pid and host) for the error
message. The kernel drops an `flock` when its holder dies, so the lock of a killed driver is free again at once.
A lock still held after its holder died (a child forked by the dead driver inherited it) is taken over when the
holder is a dead process on this host; a lock held by a live driver, or by one on another host, is refused.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import threading

from ..errors import AsktellError

LOCK = "driver.lock"
_held: set[str] = set()  # folders locked by this process (flock does not keep two opens in one process apart)
_held_guard = threading.Lock()


class ExperimentLockedError(AsktellError, RuntimeError):
    """Another driver holds the experiment folder."""


class FolderLock:
    """Hold the lock of experiment folder `path` from `acquire()` to `release()`.

    Args:
        path: the experiment folder (created when missing).

    ```
    lock = FolderLock("/tmp/hpo/exp").acquire()   # ExperimentLockedError when another driver runs it
    try:
        ...
    finally:
        lock.release()
    ```
    """

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self.file = os.path.join(self.path, LOCK)
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        os.makedirs(self.path, exist_ok=True)
        key = os.path.realpath(self.path)
        with _held_guard:
            if key in _held:
                raise ExperimentLockedError(f"experiment folder {self.path} is locked: this process already runs it")
            for _ in range(3):  # a lock file replaced by a take-over while we opened it: open the new one
                fd = os.open(self.file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
                if self._try_lock(fd) and self._still_the_file(fd):
                    break
                os.close(fd)
            else:
                raise ExperimentLockedError(f"experiment folder {self.path}: cannot take its lock {self.file}")
            holder = json.dumps({"pid": os.getpid(), "host": socket.gethostname()}).encode()
            os.ftruncate(fd, 0)
            os.pwrite(fd, holder + b"\n", 0)
            self._fd = fd
            _held.add(key)
        return self

    def _try_lock(self, fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise
        holder = _read_holder(fd)
        if holder.get("host") == socket.gethostname() and isinstance(holder.get("pid"), int) \
                and not process_alive(holder["pid"]):
            try:  # its driver is dead; a process it forked still holds the old file: replace the file
                os.unlink(self.file)
            except FileNotFoundError:
                pass
            return False
        who = f"pid {holder.get('pid', '?')} on host {holder.get('host', '?')}"
        raise ExperimentLockedError(
            f"experiment folder {self.path} is locked by another driver ({who}); wait for it to end or stop it "
            f"before resuming (two drivers on one folder would run its trials twice)"
        )

    def _still_the_file(self, fd: int) -> bool:
        try:
            return os.stat(self.file).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        """Free the lock (the file stays, naming no live holder)."""
        if self._fd is None:
            return
        with _held_guard:
            _held.discard(os.path.realpath(self.path))
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the only descriptor drops the flock


def _read_holder(fd: int) -> dict:
    try:
        holder = json.loads(os.pread(fd, 4096, 0).split(b"\n")[0].decode("utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def driver_alive(host: str | None, pid: int | None) -> bool:
    """True when `pid` runs on this host (the experiment's driver, unless the pid was reused)."""
    return host == socket.gethostname() and isinstance(pid, int) and process_alive(pid)


def process_alive(pid: int) -> bool:
    """True when process `pid` of this host exists and is no zombie."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (killed, not yet reaped by its parent) is not alive
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True
