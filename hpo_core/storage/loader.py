"""`load_experiment(path)`: the trials of an experiment folder, read from its journal (also while it runs)."""
from __future__ import annotations

import enum
import os
import socket
from dataclasses import dataclass, field
from typing import Any

from ..enums import TrialStatus
from ..errors import AsktellValueError
from ..trial import Trial
from .journal import read_appended
from .layout import JOURNAL


class ExperimentState(enum.Enum):
    RUNNING = "RUNNING"  # its driver process is alive
    FINISHED = "FINISHED"
    INTERRUPTED = "INTERRUPTED"  # its driver died (or was stopped) before the end: resume it


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
    # trials a decision stopped after a result (scheduler or stop rule) rather than ending on their own
    stopped_by_decision: set[str] = field(default_factory=set)


def is_experiment(path: str | os.PathLike) -> bool:
    return os.path.isfile(os.path.join(os.fspath(path), JOURNAL))


def load_experiment(path: str | os.PathLike) -> LoadedExperiment:
    """Rebuild every trial (config, results, status, error, folder, latest checkpoint file) from the journal."""
    follower = JournalFollower(path)
    follower.update()
    return follower.loaded()


class JournalFollower:
    """The trials of an experiment folder, kept up to date as its journal grows: each `update()` reads only the
    bytes appended since the last one (a dashboard follows a running experiment this way).

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
        self.offset = 0
        self.header: dict[str, Any] | None = None
        self.trials: dict[str, Trial] = {}
        self.checkpoints: dict[str, str] = {}
        self.stopped_by_decision: set[str] = set()  # TERMINATED after a result (scheduler or stop rule), not ended
        self._finished = False
        self._owner: tuple[Any, Any] = (None, None)
        self._last: float | None = None

    def update(self) -> set[str]:
        """Read the records appended since the last update; returns the ids of the trials they changed."""
        records, self.offset = read_appended(self.journal, self.offset)
        changed: set[str] = set()
        for record in records:
            if self.header is None:
                if record.get("ev") != "header":
                    raise AsktellValueError(f"`path={self.path!r}`: {JOURNAL} has no header record")
                self.header, self._owner, self._last = record, (record.get("host"), record.get("pid")), record.get("t")
                continue
            self._apply(record, changed)
        return changed

    def loaded(self) -> LoadedExperiment:
        """The experiment as read so far (trial records are shared with this follower, not copied)."""
        if self.header is None:
            raise AsktellValueError(f"`path={self.path!r}`: {JOURNAL} has no header record")
        state = ExperimentState.FINISHED if self._finished else \
            ExperimentState.RUNNING if _alive(*self._owner) else ExperimentState.INTERRUPTED
        return LoadedExperiment(self.path, list(self.trials.values()), self.header.get("metric"),
                                self.header.get("mode"), self.header, state, started=self.header.get("t"),
                                last_update=self._last, checkpoints=self.checkpoints,
                                stopped_by_decision=self.stopped_by_decision)

    def _apply(self, record: dict[str, Any], changed: set[str]) -> None:
        event = record["ev"]
        self._last = record.get("t", self._last)
        trial = self.trials.get(record.get("id", ""))
        if event == "ask":
            if trial is None:
                trial = self.trials[record["id"]] = Trial(record["id"], record["cfg"],
                                                          self.header.get("trainable", "trial"))
                trial.path = os.path.join(self.path, record.get("dir", record["id"]))
            trial.config = record["cfg"]
            trial.status = TrialStatus.RUNNING
            if "ex" in record:
                trial.exploits.append(record["ex"])
        elif event == "tell" and trial is not None and not record.get("drop"):
            result = dict(record["r"])
            result["config"] = trial.config
            trial.results.append(result)
            trial.iteration = int(result.get("training_iteration", trial.iteration + 1))
            trial.time_total_s = float(result.get("time_total_s", trial.time_total_s))
            if record.get("ck"):
                self.checkpoints[trial.trial_id] = trial.checkpoint = os.path.join(trial.path, record["ck"])
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


def _alive(host: str | None, pid: int | None) -> bool:
    """True when `pid` runs on this host (the experiment's driver, unless the pid was reused)."""
    if host != socket.gethostname() or not isinstance(pid, int):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie (killed, not yet reaped by its parent) is not alive
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True
