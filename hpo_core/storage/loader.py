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
from .journal import read_records
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


def is_experiment(path: str | os.PathLike) -> bool:
    return os.path.isfile(os.path.join(os.fspath(path), JOURNAL))


def load_experiment(path: str | os.PathLike) -> LoadedExperiment:
    """Rebuild every trial (config, results, status, error, folder, latest checkpoint file) from the journal."""
    path = os.path.abspath(os.fspath(path))
    journal = os.path.join(path, JOURNAL)
    if not os.path.isfile(journal):
        raise AsktellValueError(f"`path={path!r}` is not an experiment folder (it has no {JOURNAL})")
    records = read_records(journal)
    header = next(records, None)
    if header is None or header.get("ev") != "header":
        raise AsktellValueError(f"`path={path!r}`: {JOURNAL} has no header record")
    trainable = header.get("trainable", "trial")
    trials: dict[str, Trial] = {}
    checkpoints: dict[str, str] = {}
    state, owner, last = ExperimentState.INTERRUPTED, (header.get("host"), header.get("pid")), header.get("t")
    for record in records:
        event = record["ev"]
        last = record.get("t", last)
        trial = trials.get(record.get("id", ""))
        if event == "ask":
            if trial is None:
                trial = trials[record["id"]] = Trial(record["id"], record["cfg"], trainable)
                trial.path = os.path.join(path, record.get("dir", record["id"]))
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
                checkpoints[trial.trial_id] = trial.checkpoint = os.path.join(trial.path, record["ck"])
                trial.checkpoint_iteration = trial.iteration
        elif event == "done" and trial is not None and "err" in record:
            trial.num_failures += 1
            trial.error = record["err"]
        elif event == "requeue" and trial is not None:
            trial.status = TrialStatus.PENDING
        elif event == "resume":
            owner, state = (record.get("host"), record.get("pid")), ExperimentState.INTERRUPTED
        elif event == "end":
            state = ExperimentState.FINISHED
        elif event == "stop":
            owner = (None, None)
        for trial_id, status in record.get("st", {}).items():
            _set_status(trials.get(trial_id), TrialStatus[status])
    if state is not ExperimentState.FINISHED and _alive(*owner):
        state = ExperimentState.RUNNING
    return LoadedExperiment(path, list(trials.values()), header.get("metric"), header.get("mode"), header, state,
                            started=header.get("t"), last_update=last, checkpoints=checkpoints)


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
