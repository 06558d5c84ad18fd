"""Live progress of a `run()`: a bar (trials done/total, elapsed, ETA), the running trials and the best so far.

On a terminal it is drawn with rich's `Live` display, redrawn about once a second by rich's own thread (the
callbacks only update a few counters, so the driver pays almost nothing per event; rich also redirects prints of
other callbacks above the display and is already a dependency of the `progress` extra). When stdout is not a
terminal (CI, a log file, a pipe) it writes plain log lines without escape codes instead, at most one status line
per `refresh_s`, and always the final one. `verbose`: 0 silent, 1 status, summary and one line per failed trial (its
error and where its traceback is), 2 also one line per finished trial, 3 also one line per result.

The "best" shown is the trial whose *last* result is best, NaN and infinities left out: what
`analysis.best_trial` / `best_config` give at the end (their default scope, "last").
"""
from __future__ import annotations

import math
import sys
import threading
import time
from typing import IO, Any

from .analysis import best_trial, last_value
from .callbacks import Callback
from .errors import failure_line
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
        self._seen: dict[str, Any] = {}  # every trial that started or reported: the candidates for "best"
        self._best: tuple[float, Any] | None = None  # (oriented last value, trial), kept up to date per result
        self._best_stale = False  # the best trial's own last value got worse: rescan `_seen` when shown
        self._live = None

    # --- hooks -------------------------------------------------------------------------------------------------
    def setup(self, **info: Any) -> None:
        self._total = info.get("total_num_samples", math.inf) or math.inf
        trials = info.get("trials") or ()  # not empty when the experiment was resumed
        self._seen = {t.trial_id: t for t in trials}
        self._best, self._best_stale = None, bool(self._seen)
        self._done = sum(1 for t in trials if t.status.is_finished)
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
            self._seen[trial.trial_id] = trial
        self._plain_status()

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        with self._lock:
            self._seen[trial.trial_id] = trial
            self._consider(trial, result)
        if self.verbose >= 3:
            self._line(f"{trial} iter {result.get('training_iteration')}: {self._metric_text(result)}")
        self._plain_status()

    def on_trial_complete(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self._ended(trial, f"{trial} {trial.status.name} after {trial.iteration} iterations: "
                           f"{self._metric_text(trial.last_result)}")

    def on_trial_error(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self._errors += 1
        self._ended(trial, f"ERROR {failure_line(trial)}", verbose=1)

    def on_trial_recover(self, iteration: int, trials: list, trial, **info: Any) -> None:
        with self._lock:
            self._running.pop(trial.trial_id, None)
        if self.verbose >= 1:
            self._line(f"RETRY (attempt {trial.num_failures + 1}) {failure_line(trial)}")

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.stop()  # draws the final state once more: on a terminal that is the summary
        if self.verbose > 0:
            if live is None:  # plain output always ends with the final status line
                self._print(self._status_text())
            if self.path:
                self._print(f"Result logdir: {self.path}")

    # --- text --------------------------------------------------------------------------------------------------
    def _ended(self, trial, text: str, *, verbose: int = 2) -> None:
        with self._lock:
            self._running.pop(trial.trial_id, None)
            self._done += 1
        if self.verbose >= verbose:
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

    def _consider(self, trial, result: dict[str, Any]) -> None:
        """Update the best trial by this new last result in O(1); only a best that got worse needs a rescan."""
        value = result.get(self.metric) if self.metric and self.mode else None
        finite = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        key = (value if self.mode == "max" else -value) if finite else None
        if self._best is not None and self._best[1] is trial:
            if key is not None and key >= self._best[0]:
                self._best = (key, trial)
            else:
                self._best, self._best_stale = None, True
        elif key is not None and not self._best_stale and (self._best is None or key > self._best[0]):
            self._best = (key, trial)

    def _best_text(self) -> str | None:
        """The trial whose last result is best (as `analysis.best_trial`), or None."""
        if not (self.metric and self.mode):
            return None
        with self._lock:
            if self._best_stale:
                best = best_trial(list(self._seen.values()), self.metric, self.mode)
                value = None if best is None else last_value(best, self.metric)
                self._best = None if best is None else (value if self.mode == "max" else -value, best)
                self._best_stale = False
            best = None if self._best is None else self._best[1]
        if best is None:
            return None
        value = last_value(best, self.metric)
        return f"best last {self.metric}={_num(value)} ({best}: {config_tag(best.config)[:80]})"

    def _status_text(self) -> str:
        best = self._best_text()
        return self._counts_text() + (f" | {best}" if best else "")

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
        best = self._best_text()
        if best:
            parts.append(Text(best, no_wrap=True, overflow="ellipsis"))
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
