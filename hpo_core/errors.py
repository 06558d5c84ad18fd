"""The library's error types: catch `AsktellError` for all of them, or the standard kind they also are."""
from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any


class AsktellError(Exception):
    """Base of every error asktell raises on purpose."""


class AsktellValueError(AsktellError, ValueError):
    """A value that enters the library is wrong (names the parameter and the value)."""


class AsktellTypeError(AsktellError, TypeError):
    """A value of the wrong type enters the library."""


class UnknownTrialError(AsktellValueError):
    """A trial id the experiment does not know."""


class TrialFinishedError(AsktellValueError):
    """A result told for a trial that already finished."""


class MissingMetricError(AsktellValueError):
    """A result lacks the metric the experiment optimises."""


class TrialsFailedError(AsktellError):
    """Raised at the end of `run(..., raise_on_failed_trial=True)` when trials failed.

    `trials` are the failed trial records, `failed` their names; the message gives their number, the first one's
    error and where its traceback is.
    """

    def __init__(self, trials: Sequence[Any], *, total: int | None = None):
        self.trials = list(trials)
        self.failed = [str(t) for t in self.trials]
        count = f"{len(self.trials)} trial(s)" + (f" of {total}" if total is not None else "")
        first = f"; the first, {failure_line(self.trials[0])}" if self.trials else ""
        super().__init__(f"{count} failed{first}. Pass raise_on_failed_trial=False to get the analysis anyway.")


def failure_line(trial: Any) -> str:
    """`<trial>: <ExceptionType>: <message> (traceback: <trial folder>/error.txt)`: one line for a failed trial."""
    lines = [line for line in (getattr(trial, "error", None) or "").strip().splitlines() if line.strip()]
    summary = lines[-1].strip() if lines else "unknown error"
    if len(summary) > 300:
        summary = summary[:297] + "..."
    from .storage.layout import ERROR  # (the layout module imports this one)

    path = getattr(trial, "path", None)
    where = f" (traceback: {os.path.join(path, ERROR)})" if path else ""
    return f"{trial}: {summary}{where}"
