"""Live progress of a `run()`: a bar (trials done/total, elapsed, ETA), the running trials and the best so far.

On a terminal it is drawn with rich's `Live` display, redrawn about once a second by rich's own thread (the
callbacks only update a few counters, so the driver pays almost nothing per event; rich also redirects prints of
other callbacks above the display and is already a dependency of the `progress` extra). When stdout is not a
terminal (CI, a log file, a pipe) it writes plain log lines without escape codes instead, at most one status line
per `refresh_s`. `verbose`: 0 silent, 1 status + summary, 2 also one line per finished or failed trial, 3 also
one line per result.
"""
from __future__ import annotations

import math
import sys
import threading
import time
from typing import IO, Any

from .callbacks import Callback
from .storage.layout import config_tag


class ProgressReporter(Callback):
    """The default progress display of `run()` (added unless `verbose=0`)."""

    def __init__(self, *, verbose: int = 1, stream: IO[str] | None = None, refresh_s: float = 1.0,
                 path: str | None = None, metric: str | None = None, mode: str | None = None, max_rows: int = 8):
        self.verbose = verbose
        self.stream = stream
        self.refresh_s = refresh_s
        self.path = path
        self.metric, self.mode = metric, mode
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._running: dict[str, Any] = {}
        self._done = self._errors = 0
        self._total: float = math.inf
        self._start = time.monotonic()
        self._last_plain = 0.0
        self._best: tuple[float, str, str] | None = None
        self._live = None

    # --- hooks -------------------------------------------------------------------------------------------------
    def setup(self, **info: Any) -> None:
        self._total = info.get("total_num_samples", math.inf) or math.inf
        self._done = sum(1 for t in info.get("trials") or () if t.status.is_finished)  # resumed experiment
        self._start = time.monotonic()
        stream = self._out()
        if self.verbose > 0 and _is_tty(stream):
            try:
                from rich.console import Console
                from rich.live import Live
            except ImportError:  # no rich: plain lines on the terminal too
                return
            console = Console(file=stream, force_terminal=True)
            self._live = Live(console=console, get_renderable=self._render, refresh_per_second=1 / self.refresh_s,
                              transient=False, redirect_stderr=False)
            self._live.start()

    def on_trial_start(self, iteration: int, trials: list, trial, **info: Any) -> None:
        with self._lock:
            self._running[trial.trial_id] = trial
        self._plain_status()

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        value = result.get(self.metric) if self.metric else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value):
            key = value if self.mode == "max" else -value
            if self._best is None or key > self._best[0]:
                self._best = (key, str(trial), config_tag(trial.config))
        if self.verbose >= 3:
            self._line(f"{trial} iter {result.get('training_iteration')}: {self._metric_text(result)}")
        self._plain_status()

    def on_trial_complete(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self._ended(trial, f"{trial} {trial.status.name} after {trial.iteration} iterations: "
                           f"{self._metric_text(trial.last_result)}")

    def on_trial_error(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self._errors += 1
        last = (trial.error or "").strip().splitlines()
        self._ended(trial, f"{trial} ERROR after {trial.iteration} iterations: {last[-1] if last else ''}")

    def on_trial_recover(self, iteration: int, trials: list, trial, **info: Any) -> None:
        with self._lock:
            self._running.pop(trial.trial_id, None)
        if self.verbose >= 2:
            self._line(f"{trial} failed (attempt {trial.num_failures}); it will be retried")

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        if self._live is not None:
            self._live.refresh()
            self._live.stop()
            self._live = None
        if self.verbose > 0:
            self._last_plain = 0.0
            self._print(self._status_text())
            if self.path:
                self._print(f"Result logdir: {self.path}")

    # --- text --------------------------------------------------------------------------------------------------
    def _ended(self, trial, text: str) -> None:
        with self._lock:
            self._running.pop(trial.trial_id, None)
            self._done += 1
        if self.verbose >= 2:
            self._line(text)
        self._plain_status()

    def _metric_text(self, result: dict[str, Any]) -> str:
        if self.metric and self.metric in result:
            return f"{self.metric}={_num(result[self.metric])}"
        return ""

    def _counts_text(self) -> str:
        elapsed = time.monotonic() - self._start
        total = "?" if math.isinf(self._total) else str(int(self._total))
        eta = "?"
        if self._done and not math.isinf(self._total):
            eta = _clock(elapsed / self._done * max(self._total - self._done, 0))
        return (f"{self._done}/{total} trials done, {len(self._running)} running, {self._errors} failed | "
                f"{_clock(elapsed)}, ETA {eta}")

    def _best_text(self) -> str:
        value = self._best[0] if self.mode == "max" else -self._best[0]
        return f"best {self.metric}={_num(value)} ({self._best[1]}: {self._best[2][:80]})"

    def _status_text(self) -> str:
        return self._counts_text() + (f" | {self._best_text()}" if self._best is not None else "")

    def _plain_status(self) -> None:
        if self._live is not None or self.verbose == 0:
            return
        now = time.monotonic()
        if now - self._last_plain >= self.refresh_s:
            self._last_plain = now
            self._print(self._status_text())

    def _line(self, text: str) -> None:
        if self._live is not None:
            self._live.console.print(text, markup=False, highlight=False)
        else:
            self._print(text)

    def _print(self, text: str) -> None:
        print(f"[asktell] {text}", file=self._out(), flush=True)

    def _out(self) -> IO[str]:
        return self.stream if self.stream is not None else sys.stdout

    def _render(self):
        from rich import box
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        with self._lock:
            running = list(self._running.values())
        finite = not math.isinf(self._total)
        bar = ProgressBar(total=self._total if finite else None, completed=self._done, width=18)
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        for column in ("trial", "status", "iter", self.metric or "result", "config"):
            table.add_column(column, overflow="ellipsis", no_wrap=True, max_width=60 if column == "config" else None)
        for trial in running[: self.max_rows]:
            last = trial.last_result
            value = last.get(self.metric) if self.metric else None
            table.add_row(str(trial), trial.status.name, str(trial.iteration), "" if value is None else _num(value),
                          config_tag(trial.config))
        head = Table.grid(padding=(0, 1))
        head.add_row(bar, Text(self._counts_text(), no_wrap=True, overflow="ellipsis"))
        parts: list[Any] = [head]
        if self._best is not None:
            parts.append(Text(self._best_text(), no_wrap=True, overflow="ellipsis"))
        if running:
            parts.append(table)
        if len(running) > self.max_rows:
            parts.append(Text(f"... and {len(running) - self.max_rows} more running"))
        return Group(*parts)


def _is_tty(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _num(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)
