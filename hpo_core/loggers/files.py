"""JSON and CSV loggers: each trial's results as `result.json` (JSON lines) and `progress.csv` in its folder.

The driver thread only formats a result; a background `Appender` writes it (see appender.py). The journal stays
the source of truth: a trial's file is rewritten from its journaled results at its first result in a process, and
at `setup` of a resumed run every finished trial's file that disagrees with the journal (a killed run may have
lost lines, or written one the journal never got).
"""
from __future__ import annotations

import csv
import io
import os
from typing import Any

from ..callbacks import Callback
from ..storage.appender import shared_appender
from ..storage.layout import PROGRESS, RESULT, result_json


class PerTrialWriters(Callback):
    """Base: appends to one file per trial through the background `Appender`; closes it when the trial ends.

    `min_results`: a trial gets its file once it has that many results: 2, a learning curve (a one-shot trial's
    result is in the journal alone, without a folder of three files to say it again; see storage/recorder.py).
    """

    min_results = 2

    def __init__(self) -> None:
        self.appender = shared_appender()
        self._paths: dict[str, str] = {}  # trial_id -> the file this logger writes

    def on_trial_complete(self, iteration: int, trials: list, trial, **info: Any) -> None:
        path = self._paths.pop(trial.trial_id, None)
        if path is not None:
            self.appender.close(path)

    on_trial_error = on_trial_complete

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        self._paths.clear()
        self.appender.drain()


class TrialFileLogger(PerTrialWriters):
    """Base of the text loggers: `filename` in `trial.path`; subclasses say how a result becomes text."""

    filename = ""

    def setup(self, **info: Any) -> None:
        """On resume, make every trial's file agree with the journal."""
        for trial in info.get("trials") or ():
            if trial.path is None or len(trial.results) < max(self.min_results, 1):
                continue
            expected = self.format_all(trial)
            path = os.path.join(trial.path, self.filename)
            try:
                with open(path, encoding="utf-8", newline="") as handle:
                    if handle.read().count("\n") == expected.count("\n"):
                        continue
            except OSError:
                pass
            self.appender.write(path, expected.encode("utf-8"), truncate=True)

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        if trial.path is None or len(trial.results) < self.min_results:
            return
        path = self._paths.get(trial.trial_id)
        if path is None:  # the trial's first result in this process: its file is rebuilt from the journaled
            # results (a resumed trial's file may hold rows its journal lost), then appended to
            path = self._paths[trial.trial_id] = os.path.join(trial.path, self.filename)
            self.appender.write(path, self.format_all(trial).encode("utf-8"), truncate=True)
        else:
            self.appender.write(path, self.format_result(trial, result).encode("utf-8"))

    # --- formats (subclasses) ----------------------------------------------------------------------------------
    def format_result(self, trial, result: dict[str, Any]) -> str:
        raise NotImplementedError

    def format_all(self, trial) -> str:
        self.forget(trial)
        return "".join(self.format_result(trial, result) for result in trial.results)

    def forget(self, trial) -> None:
        """Drop per-trial format state before a file is rewritten."""


class JsonLoggerCallback(TrialFileLogger):
    """`result.json`: one JSON object per result (without `config`, which is in `params.json`)."""

    filename = RESULT

    def format_result(self, trial, result: dict[str, Any]) -> str:
        return result_json(result) + "\n"


class CsvLoggerCallback(TrialFileLogger):
    """`progress.csv`: one row per result; the columns are fixed by the trial's first result (nested keys as a/b)."""

    filename = PROGRESS

    def __init__(self) -> None:
        super().__init__()
        self._columns: dict[str, list[str]] = {}
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)

    def forget(self, trial) -> None:
        self._columns.pop(trial.trial_id, None)

    def format_result(self, trial, result: dict[str, Any]) -> str:
        flat = flatten(result, skip="config")
        self._buffer.seek(0)
        self._buffer.truncate()
        columns = self._columns.get(trial.trial_id)
        if columns is None:  # the trial's first result written by this process (resumed ones were set in setup)
            columns = self._columns[trial.trial_id] = list(flat)
            self._writer.writerow(columns)
        self._writer.writerow(list(map(flat.get, columns)))  # a missing or None value is an empty cell
        return self._buffer.getvalue()


def flatten(mapping: dict[str, Any], prefix: str = "", *, skip: str | None = None) -> dict[str, Any]:
    """Nested keys as `a/b`; the top-level key `skip` left out."""
    if not prefix and not any(type(value) is dict for value in mapping.values()):  # the usual flat result
        return {key: value for key, value in mapping.items() if key != skip}
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        if key == skip and not prefix:
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, path + "/"))
        else:
            out[path] = value
    return out
