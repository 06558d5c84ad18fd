"""`ExperimentStorage`: opens (or resumes) an experiment folder and hands the driver a journaling experiment.

Resuming replays the journal into a fresh `Experiment` built with the same seed, space, searcher and scheduler, so
their state is exactly what it was when the driver died; trials that were running are queued again from their last
checkpoint (the experiment drops the results they re-make), finished trials are not run again.
"""
from __future__ import annotations

import contextlib
import enum
import hashlib
import logging
import os
import re
import shutil
import socket
import time
from typing import Any

import numpy as np

from ..enums import TrialStatus
from ..errors import AsktellValueError, MissingMetricError, TrialFinishedError, UnknownTrialError
from ..executors.simulated import SimCheckpoint
from ..experiment import Experiment
from ..trial import Trial
from .journal import FORMAT_VERSION, SYNC_INTERVAL_S, Journal, read_journal
from .layout import JOURNAL, UnsafePathError, dumps, experiment_dir, resolve_inside, to_jsonable, write_atomic
from .lock import LOCK, FolderLock
from .recorder import DiskCheckpoint, RecordingExperiment

logger = logging.getLogger("asktell")


class ResumeMode(enum.Enum):
    NEW = "NEW"  # resume=False: a new experiment; an existing one in the folder is an error
    RESUME = "RESUME"  # resume=True: the folder must hold an experiment
    AUTO = "AUTO"  # resume if the folder holds an experiment, else start one
    ERRORED = "ERRORED"  # resume, and also run the trials that failed again

    @classmethod
    def parse(cls, resume: Any) -> ResumeMode:
        return parse_resume(resume)[0]


SKIP_DAMAGED = "SKIP_DAMAGED"


def parse_resume(resume: Any) -> tuple[ResumeMode, bool]:
    """`resume` as a mode, and whether a damaged journal is cut at its first damaged line ("...+SKIP_DAMAGED")."""
    if isinstance(resume, ResumeMode):
        return resume, False
    if resume is False or resume is None:
        return ResumeMode.NEW, False
    if resume is True:
        return ResumeMode.RESUME, False
    if isinstance(resume, str):
        words = [w.strip() for w in resume.upper().split("+")]
        skip = SKIP_DAMAGED in words
        words = [w for w in words if w != SKIP_DAMAGED] or ["TRUE"]
        if len(words) == 1 and words[0] in ("TRUE", "AUTO", "ERRORED", "ERRORED_ONLY"):
            mode = {"TRUE": ResumeMode.RESUME, "AUTO": ResumeMode.AUTO}.get(words[0], ResumeMode.ERRORED)
            return mode, skip
    raise AsktellValueError(
        f"`resume` must be False, True, 'AUTO' or 'ERRORED' (optionally with '+SKIP_DAMAGED'), but got {resume!r}"
    )


class ResumeMismatchError(AsktellValueError):
    """The journal cannot be replayed with the searcher/scheduler/space given to this run."""


class JournalDamagedError(AsktellValueError):
    """The journal has damaged lines: resuming would have to guess what they said."""


def space_fingerprint(experiment: Experiment) -> str:
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", experiment.space.fingerprint())  # function reprs carry addresses
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class ExperimentStorage:
    """One experiment folder, locked while it is open. `open()` decides new vs resume; `seed()`, then
    `attach(experiment)`, then `close()` (or `discard()` when the run is refused before it starts)."""

    def __init__(self, path: str, mode: ResumeMode, lock: FolderLock, *, created: bool):
        self.path = path
        self.mode = mode
        self.lock = lock
        self.created = created  # this run made the folder: a run refused at start removes it again
        self.records: list[tuple[int, dict[str, Any]]] | None = None  # (line, record); None: a new experiment
        self.recorder: RecordingExperiment | None = None

    @property
    def resuming(self) -> bool:
        return self.records is not None

    @classmethod
    def open(cls, trainable_name: str, *, name: str | None = None, storage_path: Any = None,
             resume: Any = False) -> ExperimentStorage:
        mode, skip_damaged = parse_resume(resume)
        if mode is not ResumeMode.NEW and name is None:
            raise AsktellValueError(f"`resume={resume!r}` needs the `name` of the experiment to resume")
        path = experiment_dir(trainable_name, name=name, storage_path=storage_path)
        journal = os.path.join(path, JOURNAL)
        if mode in (ResumeMode.RESUME, ResumeMode.ERRORED) and not os.path.isfile(journal):
            raise AsktellValueError(f"`resume={resume!r}`: no experiment to resume at {path} (no {JOURNAL})")
        created = name is None or not os.path.isdir(path)
        storage = cls(path, mode, FolderLock(path), created=created)
        try:
            storage.lock.acquire()  # the journal is read (and checked) under the lock
            storage.records = storage._read_journal(name, resume, skip_damaged)
        except BaseException:
            storage.discard()
            raise
        return storage

    def _read_journal(self, name: Any, resume: Any, skip_damaged: bool) -> list[tuple[int, dict[str, Any]]] | None:
        """The journal's records to replay, or None for a new experiment (also when a killed run left no header)."""
        journal = os.path.join(self.path, JOURNAL)
        if not os.path.isfile(journal):
            return None
        contents = read_journal(journal)
        if not contents.records and not contents.damage:
            logger.warning("%s holds no header record (its driver was killed before it started): starting the "
                           "experiment afresh", journal)
            return None
        if self.mode is ResumeMode.NEW:
            raise AsktellValueError(
                f"`name={name!r}`: {self.path} already holds an experiment; pass resume=True to continue it, "
                f"or another name"
            )
        records = list(contents.numbered())
        if contents.damage:
            first = contents.damage[0].line
            if not skip_damaged:
                raise JournalDamagedError(
                    f"cannot resume: {contents.describe_damage(journal)}. Resuming would have to guess what they "
                    f"said; pass resume='{'AUTO' if self.mode is ResumeMode.AUTO else 'TRUE'}+SKIP_DAMAGED' to "
                    f"keep only the records before line {first} (the rest is run again)"
                )
            records = [(number, record) for number, record in records if number < first]
            _keep_only(journal, [record for _, record in records], contents.describe_damage(journal))
        if not records or records[0][1]["ev"] != "header":
            raise JournalDamagedError(f"`resume={resume!r}`: {journal} has no header record; cannot resume it")
        return records

    def seed(self, given: Any) -> int | np.random.SeedSequence:
        """The experiment's seed: the journaled one when resuming, else `given` (one is drawn when None)."""
        if self.resuming:
            stored = self.records[0][1]["seed"]
            sequence = np.random.SeedSequence(stored["entropy"], spawn_key=tuple(stored["spawn_key"]))
            if given is not None and _seed_dict(given) != stored:
                raise AsktellValueError(
                    f"`seed={given!r}` differs from the seed the experiment at {self.path} was started with"
                )
            return sequence
        if given is None:
            return np.random.SeedSequence()
        return given

    def attach(self, experiment: Experiment, *, seed: Any, sync_interval_s: float = SYNC_INTERVAL_S,
               keep_checkpoints_num: int = 1) -> RecordingExperiment:
        """Journal `experiment` from now on (fsync policy: see journal.py); when resuming, first replay the journal."""
        os.makedirs(self.path, exist_ok=True)
        recorder = RecordingExperiment(experiment, self.path, journal=None, keep_checkpoints_num=keep_checkpoints_num)
        self.recorder = recorder
        header = _header(experiment, seed)
        if self.resuming:
            _check_same(self.records[0][1], header, self.path)
            _replay(recorder, self.records[1:])
            recorder.clock_offset = recorder._base_clock() - recorder.now
        journal = Journal(os.path.join(self.path, JOURNAL), sync_interval_s=sync_interval_s)
        recorder.journal, recorder.replaying = journal, False
        if self.resuming:
            recorder.restore_checkpoints()  # the newest file of each trial that exists; loaded when live
            recorder.note({"ev": "resume", "mode": self.mode.name, "pid": os.getpid(),
                           "host": socket.gethostname(), "t": time.time()})
            revive = (TrialStatus.RUNNING, TrialStatus.PENDING, TrialStatus.ERROR) \
                if self.mode is ResumeMode.ERRORED else (TrialStatus.RUNNING,)
            for trial in list(experiment.trials.values()):
                if trial.status in revive:
                    recorder.requeue(trial.trial_id)
        else:
            recorder.note(header)
        return recorder

    def close(self, *, finished: bool) -> None:
        recorder = self.recorder
        try:
            if recorder is not None and recorder.journal is not None:
                recorder.drain()  # logger files and checkpoints written before the journal closes
                # "end": finished; "stop": the driver left early (an exception, Ctrl-C) and it can be resumed
                recorder.note({"ev": "end" if finished else "stop", "t": time.time()})
                recorder.journal.close()
        finally:
            self.lock.release()

    def discard(self) -> None:
        """The run was refused before its first trial: unlock, and remove the folder when this run made it."""
        recorder = self.recorder
        if recorder is not None and recorder.journal is not None:
            recorder.journal.close()
        self.lock.release()
        if self.created and not self.resuming:
            for leftover in (JOURNAL, LOCK):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(os.path.join(self.path, leftover))
            with contextlib.suppress(OSError):  # not empty: something else is in there, leave it
                os.rmdir(self.path)


def _keep_only(journal: str, records: list[dict[str, Any]], damage: str) -> None:
    """Resume with SKIP_DAMAGED: keep the damaged journal aside and go on from its records before the damage."""
    aside = f"{journal}.damaged-{time.strftime('%Y%m%d-%H%M%S')}"
    shutil.copyfile(journal, aside)
    write_atomic(journal, "".join(dumps(record) + "\n" for record in records))
    logger.warning("%s; resuming from the %d records before the first damaged line (the damaged journal is kept "
                   "as %s)", damage, len(records), aside)


def _seed_dict(seed: Any) -> dict[str, Any]:
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return {"entropy": to_jsonable(sequence.entropy), "spawn_key": [int(k) for k in sequence.spawn_key]}


def _header(experiment: Experiment, seed: Any) -> dict[str, Any]:
    return {
        "ev": "header", "v": FORMAT_VERSION, "trainable": experiment.trainable_name,
        "seed": _seed_dict(seed), "space": space_fingerprint(experiment),
        "metric": experiment.metric, "mode": experiment.mode,
        "metrics": experiment.metrics, "modes": experiment.modes, "num_samples": experiment.num_samples,
        "log_params": [path for path, domain in experiment.space.domains.items() if getattr(domain, "log", False)],
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


def _replay(recorder: RecordingExperiment, records: list[tuple[int, dict[str, Any]]]) -> None:
    """Feed the journaled calls to the fresh experiment, checking that it asks for the same trials."""
    warned = False
    for number, record in records:
        try:
            if not _replay_one(recorder, number, record):
                continue
        except UnsafePathError as error:
            raise UnsafePathError(f"cannot resume {recorder.path}: journal line {number}: {error}") from None
        except (UnknownTrialError, TrialFinishedError, MissingMetricError) as error:
            raise ResumeMismatchError(f"cannot resume {recorder.path}: journal line {number} does not fit the "
                                      f"experiment replayed so far: {error}") from error
        if recorder.last_changes != record.get("st", {}) and not warned:
            warned = True
            logger.warning("resume of %s: journal line %d recorded status changes %s, the replay gives %s "
                           "(a time-dependent stopper or scheduler?)", recorder.path, number, record.get("st", {}),
                           recorder.last_changes)


def _replay_one(recorder: RecordingExperiment, number: int, record: dict[str, Any]) -> bool:
    """Replay one record; False for a record that is no call of the experiment (resume, end, ...)."""
    event = record["ev"]
    recorder.now = record.get("t", recorder.now)
    if event == "ask":
        if "dir" in record:
            resolve_inside(recorder.path, record["dir"])
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
        trial = recorder.experiment.trials[record["id"]]
        adopted = _checkpoint(recorder, trial, record)
        if adopted is not None:  # a PBT exploit: the trial's own copy of the donor's checkpoint
            trial.checkpoint = adopted
            trial.checkpoint_iteration = record.get("it", trial.checkpoint_iteration)
            if "ck" in record:
                recorder.keep_checkpoint_file(trial, record["ck"])
    elif event == "none":
        for _ in range(record["n"]):
            recorder.ask()
    elif event == "tell":
        checkpoint = _checkpoint(recorder, recorder.experiment.trials.get(record["id"]), record)
        recorder.tell(record["id"], dict(record["r"]), checkpoint=checkpoint)
    elif event == "done":
        recorder.complete(record["id"], error=record.get("err"))
    elif event == "fin":
        recorder.is_finished()
    elif event == "requeue":
        recorder.requeue(record["id"])
    else:
        return False
    return True


def _checkpoint(recorder: RecordingExperiment, trial: Trial | None, record: dict[str, Any]) -> Any:
    """The checkpoint a record names: a file of the trial's folder (refused when it resolves outside the experiment
    folder), a simulated checkpoint kept inline, or None."""
    if "sck" in record:
        return SimCheckpoint.from_record(record["sck"])
    if "ck" not in record:
        return None
    if trial is None or trial.trial_id not in recorder.dirs:
        raise ResumeMismatchError(f"a checkpoint for trial {record['id']}, which was never started")
    name = record["ck"]
    return DiskCheckpoint(resolve_inside(recorder.path, recorder.dirs[trial.trial_id], name) if name else "")
