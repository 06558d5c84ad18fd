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
from .journal import JournalContents, read_journal
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


def is_experiment(path: str | os.PathLike) -> bool:
    return os.path.isfile(os.path.join(os.fspath(path), JOURNAL))


def load_experiment(path: str | os.PathLike, *, warn: bool = True) -> LoadedExperiment:
    """Rebuild every trial (config, results, status, error, folder, latest checkpoint file) from the journal.

    Args:
        path: the experiment folder.
        warn: issue a `JournalDamageWarning` when lines were left out (a reader that shows
            `LoadedExperiment.problems` itself passes False).
    """
    path = os.path.abspath(os.fspath(path))
    journal = os.path.join(path, JOURNAL)
    if not os.path.isfile(journal):
        raise AsktellValueError(f"`path={path!r}` is not an experiment folder (it has no {JOURNAL})")
    contents = read_journal(journal)
    if not contents.records or contents.records[0]["ev"] != "header":
        damaged = f" ({contents.describe_damage(journal)})" if contents.damage else ""
        raise AsktellValueError(f"`path={path!r}`: {JOURNAL} has no header record{damaged}")
    loaded = _rebuild(path, contents)
    if loaded.problems and warn:
        warnings.warn(f"{journal}: {len(loaded.problems)} damaged line(s) left out: {'; '.join(loaded.problems[:5])}",
                      JournalDamageWarning, stacklevel=2)
    return loaded


def _rebuild(path: str, contents: JournalContents) -> LoadedExperiment:
    header = contents.records[0]
    problems = [str(damage) for damage in contents.damage]
    trainable = header.get("trainable", "trial")
    trials: dict[str, Trial] = {}
    checkpoints: dict[str, str] = {}
    state, owner, last = ExperimentState.INTERRUPTED, (header.get("host"), header.get("pid")), header.get("t")
    for number, record in list(contents.numbered())[1:]:
        event = record["ev"]
        last = record.get("t", last)
        trial = trials.get(record.get("id", ""))
        try:
            if event == "ask":
                if trial is None:
                    trial = Trial(record["id"], record["cfg"], trainable)
                    trial.path = resolve_inside(path, record.get("dir", record["id"]))
                    trials[record["id"]] = trial
                trial.config = record["cfg"]
                trial.status = TrialStatus.RUNNING
                if "ex" in record:
                    trial.exploits.append(record["ex"])
                if record.get("ck"):  # the checkpoint a PBT exploit adopted
                    checkpoints[trial.trial_id] = trial.checkpoint = resolve_inside(path, trial.path, record["ck"])
                    trial.checkpoint_iteration = trial.iteration = record.get("it", trial.iteration)
            elif event == "tell" and trial is not None and not record.get("drop"):
                result = dict(record["r"])
                result["config"] = trial.config
                trial.results.append(result)
                trial.iteration = int(result.get("training_iteration", trial.iteration + 1))
                trial.time_total_s = float(result.get("time_total_s", trial.time_total_s))
                if record.get("ck"):
                    checkpoints[trial.trial_id] = trial.checkpoint = resolve_inside(path, trial.path, record["ck"])
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
        except UnsafePathError as error:
            problems.append(f"line {number}: {error}")
            continue
        for trial_id, status in record.get("st", {}).items():
            _set_status(trials.get(trial_id), TrialStatus[status])
    if state is not ExperimentState.FINISHED and driver_alive(*owner):
        state = ExperimentState.RUNNING
    return LoadedExperiment(path, list(trials.values()), header.get("metric"), header.get("mode"), header, state,
                            started=header.get("t"), last_update=last, checkpoints=checkpoints, problems=problems)


def _set_status(trial: Trial | None, status: TrialStatus) -> None:
    if trial is None:
        return
    trial.status = status
    if status is TrialStatus.TERMINATED and trial.results:
        trial.results[-1]["done"] = True
