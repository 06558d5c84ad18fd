"""What `Experiment.ask()` hands to an executor, and what a scheduler asks the experiment to resume."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Suggestion:
    """Start `trial_id` with `config`.

    `resume` is True when the trial existed before (a paused trial, a retry after a failure, a PBT exploit);
    `checkpoint` is the checkpoint to restore (the trial's own or a donor's), or None to start from scratch;
    `start_iteration` is the `training_iteration` that checkpoint was taken at.
    """

    trial_id: str
    config: dict[str, Any]
    resume: bool = False
    checkpoint: Any = None
    start_iteration: int = 0


@dataclass(frozen=True)
class ResumeRequest:
    """A scheduler's wish: run paused trial `trial_id` again.

    `config` replaces the trial's config when given (PBT explore); `checkpoint_from` names the trial whose latest
    checkpoint to restore (PBT exploit), None meaning the trial's own.
    """

    trial_id: str
    config: dict[str, Any] | None = None
    checkpoint_from: str | None = None
