"""The library's error types: catch `AsktellError` for all of them, or the standard kind they also are."""
from __future__ import annotations


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
    """Raised at the end of `run(..., raise_on_failed_trial=True)` when trials failed."""

    def __init__(self, failed: list[str]):
        self.failed = list(failed)
        super().__init__(f"{len(self.failed)} trial(s) failed: {', '.join(self.failed)}")
