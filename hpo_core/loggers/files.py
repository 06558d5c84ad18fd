"""JSON and CSV loggers: each trial's results as `result.json` (JSON lines) and `progress.csv` in its folder.

Writes are buffered and flushed about once a second and when a trial ends, so logging costs little per result.
The journal stays the source of truth: when a trial is run again after a resume, its files are rewritten from the
results the journal kept (a killed run may have lost buffered lines).
"""
from __future__ import annotations

import csv
import io
import os
import time
from typing import IO, Any

from ..callbacks import Callback
from ..storage.layout import PROGRESS, RESULT, dumps

MAX_OPEN_FILES = 64


class PerTrialWriters(Callback):
    """Base: one open writer per trial, closed when the trial ends (and the oldest when too many are open)."""

    def __init__(self) -> None:
        self._files: dict[str, Any] = {}

    def on_trial_complete(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self._close(trial.trial_id)

    on_trial_error = on_trial_complete

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        for trial_id in list(self._files):
            self._close(trial_id)

    def _make_room(self) -> None:
        if len(self._files) >= MAX_OPEN_FILES:  # many paused trials: close the oldest
            self._close(next(iter(self._files)))

    def _close(self, trial_id: str) -> None:
        handle = self._files.pop(trial_id, None)
        if handle is not None:
            handle.close()


class TrialFileLogger(PerTrialWriters):
    """Base: one append-only file per trial in `trial.path`; subclasses say how a result becomes text."""

    filename = ""
    flush_interval_s = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._last_flush = time.monotonic()

    # --- hooks -------------------------------------------------------------------------------------------------
    def setup(self, **info: Any) -> None:
        """On resume, make every trial's file agree with the journal (a killed run may have lost lines)."""
        for trial in info.get("trials") or ():
            if trial.path is None or not trial.results:
                continue
            expected = self.format_all(trial)
            try:
                with open(os.path.join(trial.path, self.filename), encoding="utf-8", newline="") as handle:
                    if handle.read().count("\n") == expected.count("\n"):
                        continue
            except OSError:
                pass
            with open(self._file(trial), "w", encoding="utf-8", newline="") as handle:
                handle.write(expected)

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        if trial.path is None:
            return
        handle = self._files.get(trial.trial_id)
        if handle is None:
            handle = self._open(trial)
        handle.write(self.format_result(trial, result))
        now = time.monotonic()
        if now - self._last_flush >= self.flush_interval_s:
            self._last_flush = now
            for open_handle in self._files.values():
                open_handle.flush()

    # --- formats (subclasses) ----------------------------------------------------------------------------------
    def format_result(self, trial, result: dict[str, Any]) -> str:
        raise NotImplementedError

    def format_all(self, trial) -> str:
        self.forget(trial)
        return "".join(self.format_result(trial, result) for result in trial.results)

    def forget(self, trial) -> None:
        """Drop per-trial format state before a file is rewritten."""

    # --- files -------------------------------------------------------------------------------------------------
    def _file(self, trial) -> str:
        os.makedirs(trial.path, exist_ok=True)
        return os.path.join(trial.path, self.filename)

    def _open(self, trial) -> IO[str]:
        self._make_room()
        path = os.path.join(trial.path, self.filename)  # the folder exists (storage made it) unless removed
        try:
            handle = open(path, "a", encoding="utf-8", newline="")  # noqa: SIM115 - kept open
        except FileNotFoundError:
            handle = open(self._file(trial), "a", encoding="utf-8", newline="")  # noqa: SIM115 - kept open
        self._files[trial.trial_id] = handle
        return handle


class JsonLoggerCallback(TrialFileLogger):
    """`result.json`: one JSON object per result (without `config`, which is in `params.json`)."""

    filename = RESULT

    def format_result(self, trial, result: dict[str, Any]) -> str:
        return dumps({k: v for k, v in result.items() if k != "config"}) + "\n"


class CsvLoggerCallback(TrialFileLogger):
    """`progress.csv`: one row per result; the columns are fixed by the trial's first result (nested keys as a/b)."""

    filename = PROGRESS

    def __init__(self) -> None:
        super().__init__()
        self._columns: dict[str, list[str]] = {}

    def forget(self, trial) -> None:
        self._columns.pop(trial.trial_id, None)

    def format_result(self, trial, result: dict[str, Any]) -> str:
        flat = flatten({k: v for k, v in result.items() if k != "config"})
        columns = self._columns.get(trial.trial_id)
        out = io.StringIO()
        writer = csv.writer(out)
        if columns is None:
            handle = self._files.get(trial.trial_id)
            empty = handle is not None and handle.tell() == 0
            columns = self._columns[trial.trial_id] = (None if empty else self._existing_columns(trial)) or list(flat)
            if empty:
                writer.writerow(columns)
        writer.writerow(["" if flat.get(c) is None else flat.get(c) for c in columns])
        return out.getvalue()

    def format_all(self, trial) -> str:
        self.forget(trial)
        if not trial.results:
            return ""
        columns = self._columns[trial.trial_id] = list(flatten(
            {k: v for k, v in trial.results[0].items() if k != "config"}))
        out = io.StringIO()
        csv.writer(out).writerow(columns)
        return out.getvalue() + "".join(self.format_result(trial, result) for result in trial.results)

    def _existing_columns(self, trial) -> list[str] | None:
        path = os.path.join(trial.path, self.filename)
        if not os.path.exists(path) or os.path.getsize(path) == 0:
            return None
        with open(path, encoding="utf-8", newline="") as handle:
            return next(csv.reader(handle), None)


def flatten(mapping: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "/"))
        else:
            out[path] = value
    return out
