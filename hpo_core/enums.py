"""Decisions and statuses are enums, never strings."""
from __future__ import annotations

import enum


class Decision(enum.Enum):
    """What a trial should do after a result: go on, pause (free its resources), or stop for good."""

    CONTINUE = "CONTINUE"
    PAUSE = "PAUSE"
    STOP = "STOP"

    def merge(self, other: Decision) -> Decision:
        """The stronger of two decisions: STOP > PAUSE > CONTINUE."""
        order = (Decision.CONTINUE, Decision.PAUSE, Decision.STOP)
        return max(self, other, key=order.index)


class TrialStatus(str, enum.Enum):
    """A trial's status. A `str` enum, as Ray Tune's statuses are strings: `trial.status == "TERMINATED"` holds,
    `str()`/f-strings give the bare name and statuses sort by it; compare with `is TrialStatus.X` in library code."""

    PENDING = "PENDING"
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    TERMINATED = "TERMINATED"
    ERROR = "ERROR"

    def __str__(self) -> str:
        return self.value

    @property
    def is_finished(self) -> bool:
        return self in _FINISHED


_FINISHED = frozenset((TrialStatus.TERMINATED, TrialStatus.ERROR))
