"""`RecordingExperiment`: an `Experiment` whose every state change is journaled before the driver acts on it.

The experiment is deterministic given its seed and the sequence of ask/tell/complete calls (with the clock values
they saw), so the journal doubles as the searcher's and scheduler's saved state: replaying it into a fresh
`Experiment` (see `store.py`) restores both exactly. The recorder also keeps the trial folders: `params.json`,
checkpoints (cloudpickle files) and `error.txt`. A trial gets its folder only once it has something of its own to
keep there: a second result when per-trial loggers write its learning curve (`curve_files`), a checkpoint, an error,
or files a callback wrote there; a one-shot trial lives in the journal alone (no folder, no params.json: the cost of
a trivial trial is one line, where each file made costs ~0.5-1 ms on a VM disk).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections import deque
from typing import Any

from ..enums import Decision, TrialStatus
from ..executors.base import PickledCheckpoint
from ..executors.simulated import SimCheckpoint
from ..experiment import Experiment
from ..suggestion import Suggestion
from ..trial import Trial
from .appender import shared_appender
from .checkpoints import CheckpointWriter, DiskCheckpoint, newest_on_disk
from .journal import Journal
from .layout import ERROR, PARAMS, result_json, safe_name, to_jsonable, trial_dirname

logger = logging.getLogger("asktell")

__all__ = ["DiskCheckpoint", "RecordingExperiment"]


class RecordingExperiment:
    """Wraps an `Experiment`: forwards every call, journals ask/tell/complete (and state changes of `is_finished`).

    While `replaying` is set nothing is written and the clock returns the journaled time of the record being
    replayed; otherwise each call freezes the real clock once, so the experiment sees the same times on replay.
    """

    def __init__(self, experiment: Experiment, path: str, journal: Journal | None, *, keep_checkpoints_num: int = 1):
        self._exp = experiment
        self.path = path
        self.journal = journal
        self.replaying = journal is None
        self._base_clock = experiment.clock
        self.clock_offset = 0.0  # time the experiment spent killed, not counted against its budget
        self.now = 0.0
        experiment.clock = self._clock
        experiment.status_touched = {}
        self._open: dict[str, TrialStatus] = {}  # status of every trial that is not finished yet
        self._dirs: dict[str, str] = {}
        self._params: dict[str, str] = {}  # trial_id -> the params.json written to its folder
        self.keep_checkpoints_num = keep_checkpoints_num
        self._kept: dict[str, deque[DiskCheckpoint]] = {}  # per trial: its newest checkpoints, oldest first
        self._writer: CheckpointWriter | None = None
        self._exploits: dict[str, int] = {}  # exploits journaled per trial (PBT), for readers of the folder
        self._none_asks = 0
        self.files = shared_appender()  # params.json, error.txt: derived data, written off the driver thread
        self.last_changes: dict[str, str] = {}
        self.curve_files = True  # per-trial loggers write a trial's curve from its second result: give it a folder

    def __getattr__(self, name: str) -> Any:
        return getattr(self._exp, name)

    @property
    def experiment(self) -> Experiment:
        return self._exp

    def _clock(self) -> float:
        return self.now

    def _tick(self) -> float:
        if not self.replaying:
            self.now = self._base_clock() - self.clock_offset
        return self.now

    # --- the experiment's calls -------------------------------------------------------------------------------
    def ask(self) -> Suggestion | None:
        now = self._tick()
        suggestion = self._exp.ask()
        changes = self._changes()
        if suggestion is None:
            if changes:
                self._write({"ev": "none", "n": self._none_asks + 1, "st": changes, "t": now})
                self._none_asks = 0
            else:
                self._none_asks += 1
            return None
        trial = self._exp.trials[suggestion.trial_id]
        self._open[trial.trial_id] = trial.status
        new = trial.trial_id not in self._dirs
        if new:
            self._dirs[trial.trial_id] = trial_dirname(str(trial), trial.config)
        record: dict[str, Any] = {"ev": "ask", "id": trial.trial_id, "cfg": trial.config, "t": now}
        if new:
            record["dir"] = self._dirs[trial.trial_id]
        else:
            record["re"] = 1
            if len(trial.exploits) > self._exploits.get(trial.trial_id, 0):
                self._exploits[trial.trial_id] = len(trial.exploits)
                record["ex"] = trial.exploits[-1]
                if not self.replaying:  # the donor's checkpoint becomes the trial's own (a retry restores it)
                    record.update(self._adopt_checkpoint(trial))
        if changes:
            record["st"] = changes
        self._write(record)
        self._trial_folder(trial)
        if record.get("ck"):  # a PBT exploit: the trial's own file of the donor's checkpoint, after this line
            self._give_folder(trial)
            self._queue_file(trial)
        if isinstance(suggestion.checkpoint, DiskCheckpoint) and not self.replaying:
            suggestion = dataclasses.replace(suggestion, checkpoint=self._load(trial.checkpoint))
        return suggestion

    def tell(self, trial_id: str, metrics: dict[str, Any], checkpoint: Any = None) -> Decision:
        now = self._tick()
        trial = self._exp.trials.get(trial_id)
        recorded = len(trial.results) if trial is not None else 0
        previous = trial.checkpoint if trial is not None else None
        decision = self._exp.tell(trial_id, metrics, checkpoint=checkpoint)
        result = None
        if len(trial.results) == recorded:  # a re-made report of a restarted trial: only its metrics matter
            record = {"ev": "tell", "id": trial_id, "drop": 1, "r": {m: metrics[m] for m in self._exp.metrics},
                      "t": now}
        else:
            result = result_json(trial.last_result)  # encoded once, for the journal and the JSON logger
            record = {"ev": "tell", "id": trial_id, "t": now}
            if checkpoint is not None:
                inline = checkpoint.as_record() if type(checkpoint) is SimCheckpoint else None
                if inline is not None:
                    record["sck"] = inline  # simulated: no file at all
                else:
                    record["ck"] = self._store_checkpoint(trial, checkpoint, previous)
            if ("ck" in record or (self.curve_files and len(trial.results) > 1)) and trial_id not in self._params:
                self._give_folder(trial)
        changes = self._changes()
        if changes:
            record["st"] = changes
        self._write(record, result=result)
        if "ck" in record:
            self._queue_file(trial)
        return decision

    def complete(self, trial_id: str, error: str | None = None) -> None:
        now = self._tick()
        self._exp.complete(trial_id, error=error)
        record: dict[str, Any] = {"ev": "done", "id": trial_id, "t": now}
        if error is not None:
            record["err"] = str(error)
        changes = self._changes()
        if changes:
            record["st"] = changes
        self._write(record)
        if not self.replaying and trial_id not in self._params:
            trial = self._exp.trials[trial_id]
            if error is not None or os.path.isdir(self.trial_path(trial)):  # an error, or files its trainable wrote
                self._give_folder(trial)
        if error is not None and not self.replaying:
            trial = self._exp.trials[trial_id]
            path = os.path.join(self.trial_path(trial), ERROR)
            self.files.write(path, f"failure {trial.num_failures} at iteration {trial.iteration}:\n{error}\n"
                             .encode())
            self.files.close(path)

    def requeue(self, trial_id: str) -> None:
        """Run an unfinished (or errored) trial again from its last checkpoint: its worker died with the driver."""
        now = self._tick()
        self._exp.requeue(trial_id)
        self._open[trial_id] = self._exp.trials[trial_id].status
        self.last_changes = {}
        self._write({"ev": "requeue", "id": trial_id, "t": now})

    def is_finished(self) -> bool:
        now = self._tick()
        finished = self._exp.is_finished()
        changes = self._changes()
        if changes:
            self._write({"ev": "fin", "st": changes, "t": now})
        return finished

    # --- bookkeeping -------------------------------------------------------------------------------------------
    def _changes(self) -> dict[str, str]:
        """Status changes of unfinished trials since the last record (a STOP can end paused trials too); only the
        trials whose status the experiment set are looked at, so a report costs O(1), not O(open trials)."""
        changes = {}
        touched = self._exp.status_touched
        for trial_id in touched:
            before = self._open.get(trial_id)
            status = self._exp.trials[trial_id].status
            if before is not None and status is not before:
                changes[trial_id] = status.name
                if status.is_finished:
                    del self._open[trial_id]
                    checkpoint = self._exp.trials[trial_id].checkpoint
                    if isinstance(checkpoint, DiskCheckpoint):
                        checkpoint.forget_value()  # it will not run again: its checkpoint lives on disk only
                else:
                    self._open[trial_id] = status
        touched.clear()
        self.last_changes = changes
        return changes

    def _write(self, record: dict[str, Any], *, result: str | None = None) -> None:
        if self.replaying:
            return
        if self._none_asks:
            self.journal.write({"ev": "none", "n": self._none_asks, "t": record["t"]})
            self._none_asks = 0
        self.journal.write(record, result=result)

    def sync(self) -> None:
        """Make every journaled change durable before the driver acts on it."""
        if self.journal is not None:
            self.journal.sync()

    def note(self, record: dict[str, Any]) -> None:
        """Journal a record that is no state change of the experiment (header, resume, end)."""
        if not self.replaying:
            self.journal.write(record)

    def trial_path(self, trial: Trial) -> str:
        return os.path.join(self.path, self._dirs[trial.trial_id])

    def set_dir(self, trial_id: str, dirname: str) -> None:
        self._dirs[trial_id] = dirname

    @property
    def dirs(self) -> dict[str, str]:
        """trial_id -> its folder's name inside the experiment folder."""
        return self._dirs

    def keep_checkpoint_file(self, trial: Trial, name: str) -> None:
        """Replaying a PBT exploit: the trial's checkpoint is its own file `name` of the donor's checkpoint now."""
        checkpoint = trial.checkpoint
        if isinstance(checkpoint, DiskCheckpoint):
            checkpoint.iteration = trial.checkpoint_iteration
            checkpoint.previous = None  # never a fall-back to its own state from before the exploit

    def _trial_folder(self, trial: Trial) -> None:
        """Set `trial.path`; rewrite params.json of a trial that has its folder when its config changed (PBT)."""
        trial.path = self.trial_path(trial)
        if not self.replaying and trial.trial_id in self._params:
            self._give_folder(trial)

    def _give_folder(self, trial: Trial) -> None:
        """The trial has something of its own to keep: its folder, with params.json (written in the background,
        again when the config changed)."""
        params = json.dumps(to_jsonable(trial.config), indent=2, ensure_ascii=False)
        if self._params.get(trial.trial_id) != params:
            self._params[trial.trial_id] = params
            path = os.path.join(self.trial_path(trial), PARAMS)
            self.files.write(path, params.encode("utf-8"), truncate=True)
            self.files.close(path)

    # --- checkpoints (written by a background thread, see checkpoints.py) -------------------------------------
    def _store_checkpoint(self, trial: Trial, checkpoint: Any, previous: Any) -> str:
        """Pickle `checkpoint` now (the object as reported), queue its file, and make it the trial's checkpoint."""
        if isinstance(checkpoint, DiskCheckpoint):  # replaying the journal: remember the chain for the fall-back
            checkpoint.iteration = trial.iteration
            checkpoint.previous = previous if isinstance(previous, DiskCheckpoint) else None
            return os.path.basename(checkpoint.path)
        if isinstance(checkpoint, PickledCheckpoint):  # from a worker process: its bytes go to the file as they are
            self.writer.make_room()
            data, checkpoint = checkpoint.data, None  # unpickled only if the trial resumes from it here
        else:
            data = self._pickle(trial, checkpoint)
        if data is None:
            return ""
        name = f"checkpoint_{trial.iteration:06d}.pkl"
        kept = self._kept.get(trial.trial_id, ())
        if any(os.path.basename(k.path) == name for k in kept):  # a PBT exploit rewound its iteration count
            name = f"checkpoint_{trial.iteration:06d}_{len(trial.exploits)}.pkl"
        stored = DiskCheckpoint(os.path.join(self.trial_path(trial), name), iteration=trial.iteration,
                                value=checkpoint, data=data)
        trial.checkpoint = stored  # its file is queued once the journal line that names it is written
        return name

    def _pickle(self, trial: Trial, checkpoint: Any) -> bytes | None:
        import cloudpickle

        self.writer.make_room()
        try:
            return cloudpickle.dumps(checkpoint)
        except Exception as error:  # noqa: BLE001 - an unpicklable checkpoint only costs crash-safety
            logger.warning("checkpoint of %s is not picklable (%s): not saved", trial, error)
            return None

    def _queue_file(self, trial: Trial) -> None:
        """The journal line naming the trial's new checkpoint is written: queue its file, then let older go."""
        checkpoint = trial.checkpoint
        if isinstance(checkpoint, DiskCheckpoint) and (checkpoint.data is not None or checkpoint.source):
            self.writer.write(checkpoint)
        self._keep(trial)

    @property
    def writer(self) -> CheckpointWriter:
        if self._writer is None:
            self._writer = CheckpointWriter(self.journal)
        return self._writer

    def checkpoint_pending(self, trial_id: str) -> bool:
        """True while the trial's newest checkpoint file is still being written (its decision waits for it)."""
        checkpoint = self._exp.trials[trial_id].checkpoint
        return isinstance(checkpoint, DiskCheckpoint) and checkpoint.pending

    def _keep(self, trial: Trial) -> None:
        """Hold the trial's current checkpoint; release the ones beyond the newest `keep_checkpoints_num`."""
        current = trial.checkpoint
        if not isinstance(current, DiskCheckpoint) or self.replaying:
            return
        kept = self._kept.setdefault(trial.trial_id, deque())
        if kept and kept[-1] is current:
            return
        current.holders += 1
        kept.append(current)
        while len(kept) > self.keep_checkpoints_num:
            self.writer.release(kept.popleft())

    def _load(self, checkpoint: DiskCheckpoint) -> Any:
        try:
            return checkpoint.load()
        except Exception as error:  # noqa: BLE001 - the file went away or is damaged: start from scratch
            logger.warning("checkpoint %s cannot be loaded (%s): the trial starts without it", checkpoint.path,
                           error)
            return None

    def restore_checkpoints(self) -> None:
        """After a replay: each trial's checkpoint is the newest of its files that exists (the newest one named in
        the journal may not have been written before the driver died), loaded when the trial may run again;
        older leftover files are removed."""
        for trial in self._exp.trials.values():
            if not isinstance(trial.checkpoint, DiskCheckpoint):
                continue
            found, older = newest_on_disk(trial.checkpoint, load=not trial.status.is_finished)
            trial.checkpoint = found
            trial.checkpoint_iteration = found.iteration if found is not None else 0
            for leftover in older:
                self.writer.release(leftover)
            self._keep(trial)

    def drain(self, timeout: float | None = None) -> None:
        """Finish the background writes (logger files, checkpoints) before the journal is closed."""
        self.files.drain()
        if self._writer is not None and not self._writer.close(timeout):
            logger.warning("checkpoint writes still pending after %s s at the end of the run", timeout)

    def _adopt_checkpoint(self, trial: Trial) -> dict[str, Any]:
        """The journal fields of the donor's checkpoint a PBT exploit adopted: the trial's own file of it ("ck"),
        or the simulated checkpoint inline ("sck"), with the iteration it was taken at ("it")."""
        checkpoint = trial.checkpoint
        inline = checkpoint.as_record() if type(checkpoint) is SimCheckpoint else None
        if inline is not None:
            return {"sck": inline, "it": trial.checkpoint_iteration}
        return {"ck": self._adopted_file(trial), "it": trial.checkpoint_iteration}

    def _adopted_file(self, trial: Trial) -> str:
        """Give the trial its own file of the donor's checkpoint, so the donor may drop its own: the background
        thread links the donor's file (or writes the bytes it still waits to write); "" when there is none."""
        donor_checkpoint = trial.checkpoint
        if donor_checkpoint is None:
            return ""
        donor = trial.exploits[-1]["donor"]
        name = f"checkpoint_{trial.checkpoint_iteration:06d}_from_{safe_name(str(donor), 16)}.pkl"
        path = os.path.join(self.trial_path(trial), name)
        if isinstance(donor_checkpoint, DiskCheckpoint):
            own = DiskCheckpoint(path, iteration=trial.checkpoint_iteration, value=donor_checkpoint.value,
                                 data=donor_checkpoint.data, source=donor_checkpoint.path)
        else:  # the donor's object was never stored (not picklable then): try once more
            data = self._pickle(trial, donor_checkpoint)
            if data is None:
                return ""
            own = DiskCheckpoint(path, iteration=trial.checkpoint_iteration, value=donor_checkpoint, data=data)
        trial.checkpoint = own
        return name
