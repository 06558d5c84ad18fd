"""`load_experiment(path)`: the trials of an experiment folder, read from its journal (also while it runs).

Loading reads JSON only: it unpickles nothing (checkpoints are named by path), so any folder can be inspected.
Damaged journal lines are left out and listed in `LoadedExperiment.problems` (and warned about), with line numbers.
"""
from __future__ import annotations

import enum
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

from ..enums import TrialStatus
from ..errors import AsktellValueError
from ..trial import Trial
from .journal import read_journal
from .layout import JOURNAL, UnsafePathError, resolve_inside
from .lock import driver_alive


class ExperimentState(enum.Enum):
    RUNNING = "RUNNING"  # its driver process is alive
    FINISHED = "FINISHED"
    INTERRUPTED = "INTERRUPTED"  # its driver died (or was stopped) before the end: resume it


class JournalDamageWarning(UserWarning):
    """An experiment folder's journal has damaged lines (or paths outside the folder); they were left out."""


@dataclass
class LoadedExperiment:
    """What an experiment folder holds: trial records rebuilt from the journal, and its settings."""

    path: str
    trials: list[Trial]
    metric: str | None
    mode: str | None
    header: dict[str, Any]
    state: ExperimentState
    started: float | None = None
    last_update: float | None = None
    checkpoints: dict[str, str] = field(default_factory=dict)  # trial_id -> latest checkpoint file
    problems: list[str] = field(default_factory=list)  # damaged journal lines, each with its line number
    # trials a decision stopped after a result (scheduler or stop rule) rather than ending on their own
    stopped_by_decision: set[str] = field(default_factory=set)


def is_experiment(path: str | os.PathLike) -> bool:
    return os.path.isfile(os.path.join(os.fspath(path), JOURNAL))


def load_experiment(path: str | os.PathLike, *, warn: bool = True) -> LoadedExperiment:
    """Rebuild every trial (config, results, status, error, folder, latest checkpoint file) from the journal.

    Args:
        path: the experiment folder.
        warn: issue a `JournalDamageWarning` when lines were left out (a reader that shows
            `LoadedExperiment.problems` itself passes False).
    """
    follower = JournalFollower(path)
    follower.update()
    loaded = follower.loaded()
    if loaded.problems and warn:
        warnings.warn(f"{follower.journal}: {len(loaded.problems)} damaged line(s) left out: "
                      f"{'; '.join(loaded.problems[:5])}", JournalDamageWarning, stacklevel=2)
    return loaded


class JournalFollower:
    """The trials of an experiment folder, kept up to date as its journal grows: each `update()` reads only the
    bytes appended since the last one (how the dashboard follows a running experiment; `load_experiment` is one
    update).

    ```
    follower = JournalFollower("~/hpo_results/demo")
    changed = follower.update()       # ids of the trials that changed since the last update
    follower.loaded().trials
    ```
    """

    def __init__(self, path: str | os.PathLike):
        self.path = os.path.abspath(os.fspath(path))
        self.journal = os.path.join(self.path, JOURNAL)
        if not os.path.isfile(self.journal):
            raise AsktellValueError(f"`path={self.path!r}` is not an experiment folder (it has no {JOURNAL})")
        self.header: dict[str, Any] | None = None
        self.trials: dict[str, Trial] = {}
        self.checkpoints: dict[str, str] = {}
        self.problems: list[str] = []
        self.stopped_by_decision: set[str] = set()  # TERMINATED by a decision after a result, not on their own
        self.offset, self._line = 0, 1  # where the next update reads on (bytes, line number)
        self._finished = False
        self._owner: tuple[Any, Any] = (None, None)
        self._last: float | None = None

    def update(self) -> set[str]:
        """Read the records appended since the last update; returns the ids of the trials they changed."""
        contents = read_journal(self.journal, offset=self.offset, first_line=self._line)
        self.offset, self._line = contents.end, contents.next_line
        self.problems += [str(damage) for damage in contents.damage]
        changed: set[str] = set()
        for number, record in contents.numbered():
            if self.header is None:
                if record["ev"] != "header":
                    raise AsktellValueError(f"`path={self.path!r}`: {JOURNAL} has no header record{self._damage()}")
                self.header, self._last = record, record.get("t")
                self._owner = (record.get("host"), record.get("pid"))
                continue
            self._apply(number, record, changed)
        return changed

    def loaded(self) -> LoadedExperiment:
        """The experiment as read so far (its trial records are this follower's, not copies)."""
        if self.header is None:
            raise AsktellValueError(f"`path={self.path!r}`: {JOURNAL} has no header record{self._damage()}")
        state = ExperimentState.FINISHED if self._finished else \
            ExperimentState.RUNNING if driver_alive(*self._owner) else ExperimentState.INTERRUPTED
        return LoadedExperiment(self.path, list(self.trials.values()), self.header.get("metric"),
                                self.header.get("mode"), self.header, state, started=self.header.get("t"),
                                last_update=self._last, checkpoints=self.checkpoints, problems=list(self.problems),
                                stopped_by_decision=self.stopped_by_decision)

    def _damage(self) -> str:
        return f" ({self.journal} has damaged lines: {'; '.join(self.problems[:5])})" if self.problems else ""

    def _apply(self, number: int, record: dict[str, Any], changed: set[str]) -> None:
        event = record["ev"]
        self._last = record.get("t", self._last)
        trial = self.trials.get(record.get("id", ""))
        try:
            if event == "ask":
                if trial is None:
                    trial = Trial(record["id"], record["cfg"], self.header.get("trainable", "trial"))
                    trial.path = resolve_inside(self.path, record.get("dir", record["id"]))
                    self.trials[record["id"]] = trial
                trial.config = record["cfg"]
                trial.status = TrialStatus.RUNNING
                if "ex" in record:
                    trial.exploits.append(record["ex"])
                if record.get("ck"):  # the checkpoint a PBT exploit adopted
                    self.checkpoints[trial.trial_id] = trial.checkpoint = resolve_inside(self.path, trial.path,
                                                                                         record["ck"])
                    trial.checkpoint_iteration = trial.iteration = record.get("it", trial.iteration)
            elif event == "tell" and trial is not None and not record.get("drop"):
                result = dict(record["r"])
                result["config"] = trial.config
                trial.results.append(result)
                trial.iteration = int(result.get("training_iteration", trial.iteration + 1))
                trial.time_total_s = float(result.get("time_total_s", trial.time_total_s))
                if record.get("ck"):
                    self.checkpoints[trial.trial_id] = trial.checkpoint = resolve_inside(self.path, trial.path,
                                                                                         record["ck"])
                    trial.checkpoint_iteration = trial.iteration
            elif event == "done" and trial is not None and "err" in record:
                trial.num_failures += 1
                trial.error = record["err"]
            elif event == "requeue" and trial is not None:
                trial.status = TrialStatus.PENDING
            elif event == "resume":
                self._owner, self._finished = (record.get("host"), record.get("pid")), False
            elif event == "end":
                self._finished = True
            elif event == "stop":
                self._owner = (None, None)
        except UnsafePathError as error:
            self.problems.append(f"line {number}: {error}")
            return
        if trial is not None:
            changed.add(trial.trial_id)
        for trial_id, status in record.get("st", {}).items():
            other = self.trials.get(trial_id)
            _set_status(other, TrialStatus[status])
            if other is not None:
                changed.add(trial_id)
                if status == "TERMINATED" and not (event == "done" and trial_id == record.get("id")):
                    self.stopped_by_decision.add(trial_id)


def _set_status(trial: Trial | None, status: TrialStatus) -> None:
    if trial is None:
        return
    trial.status = status
    if status is TrialStatus.TERMINATED and trial.results:
        trial.results[-1]["done"] = True
