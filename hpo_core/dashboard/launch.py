"""`start_dashboard(path)`: the dashboard in a child process beside a driver (`run(..., dashboard=True)`), so
serving pages never takes the driver's CPU or its interpreter lock."""
from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys

from ..errors import AsktellError


class DashboardProcess:
    """A running `asktell dashboard` child: its `url`; `stop()` ends it (also done at interpreter exit)."""

    def __init__(self, process: subprocess.Popen, url: str):
        self.process = process
        self.url = url
        atexit.register(self.stop)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def start_dashboard(path: str | os.PathLike, *, host: str = "127.0.0.1", port: int = 0) -> DashboardProcess:
    """Serve the dashboard of `path` from a child process; returns once it listens (its URL in `.url`).

    Args:
        path: an experiment folder, or a folder of them.
        host: the address to bind (127.0.0.1: this machine only).
        port: the port; 0 picks a free one.

    ```
    board = start_dashboard("~/hpo_results/demo")
    print(board.url); ...; board.stop()
    ```
    """
    command = [sys.executable, "-m", "hpo_core.dashboard", os.fspath(path), "--host", host, "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    line = process.stdout.readline()  # the child prints its URL first, once it listens
    if not line.startswith("asktell dashboard: "):
        process.kill()
        process.wait()
        raise AsktellError(f"the dashboard of {os.fspath(path)!r} did not start (it printed {line!r})")
    return DashboardProcess(process, line.split(": ", 1)[1].split()[0])


STARTED: list[DashboardProcess] = []  # the dashboards `run(dashboard=True)` started in this process


def dashboard_beside_driver(path: str) -> DashboardProcess | None:
    """`run(..., dashboard=True)`: start the dashboard of the experiment folder and print its URL; a dashboard
    that cannot start is logged, never a reason to stop the run."""
    try:
        board = start_dashboard(path)
    except (OSError, AsktellError) as error:
        logging.getLogger("asktell").warning("the dashboard did not start: %s", error)
        return None
    STARTED.append(board)
    print(f"asktell dashboard: {board.url} (read-only; it ends with this Python process)", flush=True)
    return board
