"""`ExperimentStorage`: opens (or resumes) an experiment folder and hands the driver a journaling experiment.

Resuming replays the journal into a fresh `Experiment` built with the same seed, space, searcher and scheduler, so
their state is exactly what it was when the driver died; trials that were running are queued again from their last
checkpoint (the experiment drops the results they re-make), finished trials are not run again.
"""
from __future__ import annotations

import enum
import hashlib
import logging
import os
import re
import socket
import time
from typing import Any

import numpy as np

from ..enums import TrialStatus
from ..errors import AsktellValueError
from ..executors.simulated import SimCheckpoint
from ..experiment import Experiment
from .journal import FORMAT_VERSION, SYNC_INTERVAL_S, Journal, read_records
from .layout import JOURNAL, dumps, experiment_dir, to_jsonable
from .recorder import DiskCheckpoint, RecordingExperiment

logger = logging.getLogger("asktell")


class ResumeMode(enum.Enum):
    NEW = "NEW"  # resume=False: a new experiment; an existing one in the folder is an error
    RESUME = "RESUME"  # resume=True: the folder must hold an experiment
    AUTO = "AUTO"  # resume if the folder holds an experiment, else start one
    ERRORED = "ERRORED"  # resume, and also run the trials that failed again

    @classmethod
    def parse(cls, resume: Any) -> ResumeMode:
        if isinstance(resume, ResumeMode):
            return resume
        if resume is False or resume is None:
            return cls.NEW
        if resume is True:
            return cls.RESUME
        if isinstance(resume, str) and resume.upper() in ("AUTO", "ERRORED", "ERRORED_ONLY"):
            return cls.AUTO if resume.upper() == "AUTO" else cls.ERRORED
        raise AsktellValueError(f"`resume` must be False, True, 'AUTO' or 'ERRORED', but got {resume!r}")


class ResumeMismatchError(AsktellValueError):
    """The journal cannot be replayed with the searcher/scheduler/space given to this run."""


def space_fingerprint(experiment: Experiment) -> str:
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", experiment.space.fingerprint())  # function reprs carry addresses
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class ExperimentStorage:
    """One experiment folder. `open()` decides new vs resume; `seed()`, then `attach(experiment)`, then `close()`."""

    def __init__(self, path: str, mode: ResumeMode, records: list[dict[str, Any]] | None):
        self.path = path
        self.mode = mode
        self.records = records  # None: a new experiment
        self.recorder: RecordingExperiment | None = None

    @property
    def resuming(self) -> bool:
        return self.records is not None

    @classmethod
    def open(cls, trainable_name: str, *, name: str | None = None, storage_path: Any = None,
             resume: Any = False) -> ExperimentStorage:
        mode = ResumeMode.parse(resume)
        if mode is not ResumeMode.NEW and name is None:
            raise AsktellValueError(f"`resume={resume!r}` needs the `name` of the experiment to resume")
        path = experiment_dir(trainable_name, name=name, storage_path=storage_path)
        journal = os.path.join(path, JOURNAL)
        exists = os.path.isfile(journal)
        if mode is ResumeMode.NEW and exists:
            raise AsktellValueError(
                f"`name={name!r}`: {path} already holds an experiment; pass resume=True to continue it, "
                f"or another name"
            )
        if mode in (ResumeMode.RESUME, ResumeMode.ERRORED) and not exists:
            raise AsktellValueError(f"`resume={resume!r}`: no experiment to resume at {path} (no {JOURNAL})")
        records = None
        if exists and mode is not ResumeMode.NEW:
            records = list(read_records(journal))
            if not records or records[0].get("ev") != "header":
                raise AsktellValueError(f"`resume={resume!r}`: {journal} has no header record; cannot resume it")
        return cls(path, mode, records)

    def seed(self, given: Any) -> int | np.random.SeedSequence:
        """The experiment's seed: the journaled one when resuming, else `given` (one is drawn when None)."""
        if self.resuming:
            stored = self.records[0]["seed"]
            sequence = np.random.SeedSequence(stored["entropy"], spawn_key=tuple(stored["spawn_key"]))
            if given is not None and _seed_dict(given) != stored:
                raise AsktellValueError(
                    f"`seed={given!r}` differs from the seed the experiment at {self.path} was started with"
                )
            return sequence
        if given is None:
            return np.random.SeedSequence()
        return given

    def attach(self, experiment: Experiment, *, seed: Any, sync_interval_s: float = SYNC_INTERVAL_S
               ) -> RecordingExperiment:
        """Journal `experiment` from now on (fsync policy: see journal.py); when resuming, first replay the journal."""
        os.makedirs(self.path, exist_ok=True)
        journal = Journal(os.path.join(self.path, JOURNAL), sync_interval_s=sync_interval_s)
        recorder = RecordingExperiment(experiment, self.path, journal=None)
        header = _header(experiment, seed)
        if self.resuming:
            _check_same(self.records[0], header, self.path)
            _replay(recorder, self.records[1:])
            recorder.clock_offset = recorder._base_clock() - recorder.now
        recorder.journal, recorder.replaying = journal, False
        if self.resuming:
            _load_checkpoints(experiment)
            recorder.note({"ev": "resume", "mode": self.mode.name, "pid": os.getpid(),
                           "host": socket.gethostname(), "t": time.time()})
            revive = (TrialStatus.RUNNING, TrialStatus.PENDING, TrialStatus.ERROR) \
                if self.mode is ResumeMode.ERRORED else (TrialStatus.RUNNING,)
            for trial in list(experiment.trials.values()):
                if trial.status in revive:
                    recorder.requeue(trial.trial_id)
        else:
            recorder.note(header)
        self.recorder = recorder
        return recorder

    def close(self, *, finished: bool) -> None:
        recorder = self.recorder
        if recorder is None or recorder.journal is None:
            return
        recorder.files.drain()
        # "end": finished; "stop": the driver left early (an exception, Ctrl-C) and the experiment can be resumed
        recorder.note({"ev": "end" if finished else "stop", "t": time.time()})
        recorder.journal.close()


def _seed_dict(seed: Any) -> dict[str, Any]:
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return {"entropy": to_jsonable(sequence.entropy), "spawn_key": [int(k) for k in sequence.spawn_key]}


def _header(experiment: Experiment, seed: Any) -> dict[str, Any]:
    return {
        "ev": "header", "v": FORMAT_VERSION, "trainable": experiment.trainable_name,
        "seed": _seed_dict(seed), "space": space_fingerprint(experiment),
        "metric": experiment.metric, "mode": experiment.mode,
        "metrics": experiment.metrics, "modes": experiment.modes, "num_samples": experiment.num_samples,
        "searcher": type(experiment.searcher).__name__, "scheduler": type(experiment.scheduler).__name__,
        "pid": os.getpid(), "host": socket.gethostname(), "t": time.time(),
    }


def _check_same(old: dict[str, Any], new: dict[str, Any], path: str) -> None:
    if old.get("space") != new["space"]:
        raise ResumeMismatchError(
            f"cannot resume {path}: the search space (`config`) differs from the one the experiment was started with"
        )
    for key in ("searcher", "scheduler", "metric", "mode"):
        if old.get(key) != new[key]:
            raise ResumeMismatchError(
                f"cannot resume {path}: `{key}` was {old.get(key)!r} and is now {new[key]!r}"
            )


def _replay(recorder: RecordingExperiment, records: list[dict[str, Any]]) -> None:
    """Feed the journaled calls to the fresh experiment, checking that it asks for the same trials."""
    warned = False
    for number, record in enumerate(records, start=2):
        event = record["ev"]
        recorder.now = record.get("t", recorder.now)
        if event == "ask":
            if "dir" in record:
                recorder.set_dir(record["id"], record["dir"])
            suggestion = recorder.ask()
            if suggestion is None or suggestion.trial_id != record["id"] or \
                    dumps(to_jsonable(suggestion.config)) != dumps(record["cfg"]):
                got = None if suggestion is None else (suggestion.trial_id, suggestion.config)
                raise ResumeMismatchError(
                    f"cannot resume {recorder.path}: journal line {number} started trial {record['id']} with "
                    f"{record['cfg']!r}, but the searcher now gives {got!r}; resume with the same searcher, "
                    f"scheduler and settings (and a searcher that is deterministic given its seed)"
                )
        elif event == "none":
            for _ in range(record["n"]):
                recorder.ask()
        elif event == "tell":
            checkpoint = None
            if "ck" in record:
                trial = recorder.experiment.trials[record["id"]]
                checkpoint = DiskCheckpoint(os.path.join(recorder.trial_path(trial), record["ck"]) if record["ck"]
                                            else "")
            elif "sck" in record:  # a simulated checkpoint, kept inline
                checkpoint = SimCheckpoint.from_record(record["sck"])
            recorder.tell(record["id"], dict(record["r"]), checkpoint=checkpoint)
        elif event == "done":
            recorder.complete(record["id"], error=record.get("err"))
        elif event == "fin":
            recorder.is_finished()
        elif event == "requeue":
            recorder.requeue(record["id"])
        else:
            continue
        if recorder.last_changes != record.get("st", {}) and not warned:
            warned = True
            logger.warning("resume of %s: journal line %d recorded status changes %s, the replay gives %s "
                           "(a time-dependent stopper or scheduler?)", recorder.path, number, record.get("st", {}),
                           recorder.last_changes)


def _load_checkpoints(experiment: Experiment) -> None:
    for trial in experiment.trials.values():
        if isinstance(trial.checkpoint, DiskCheckpoint):
            try:
                trial.checkpoint = trial.checkpoint.load() if trial.checkpoint.path else None
            except Exception as error:  # noqa: BLE001 - any unpickling failure means: restart from scratch
                logger.warning("checkpoint of %s cannot be loaded (%s): it restarts without it", trial, error)
                trial.checkpoint = None
