"""`RecordingExperiment`: an `Experiment` whose every state change is journaled before the driver acts on it.

The experiment is deterministic given its seed and the sequence of ask/tell/complete calls (with the clock values
they saw), so the journal doubles as the searcher's and scheduler's saved state: replaying it into a fresh
`Experiment` (see `store.py`) restores both exactly. The recorder also keeps the trial folders: `params.json`,
checkpoints (cloudpickle files) and `error.txt`.
"""
from __future__ import annotations

import json
import os
from typing import Any

from ..enums import Decision, TrialStatus
from ..executors.simulated import SimCheckpoint
from ..experiment import Experiment
from ..suggestion import Suggestion
from ..trial import Trial
from .appender import Appender
from .journal import Journal
from .layout import ERROR, PARAMS, dumps, to_jsonable, trial_dirname, write_atomic


class DiskCheckpoint:
    """Stands for a checkpoint file while the journal is replayed; loaded once replay is done."""

    def __init__(self, path: str):
        self.path = path

    def load(self) -> Any:
        import cloudpickle

        with open(self.path, "rb") as handle:
            return cloudpickle.load(handle)


class RecordingExperiment:
    """Wraps an `Experiment`: forwards every call, journals ask/tell/complete (and state changes of `is_finished`).

    While `replaying` is set nothing is written and the clock returns the journaled time of the record being
    replayed; otherwise each call freezes the real clock once, so the experiment sees the same times on replay.
    """

    def __init__(self, experiment: Experiment, path: str, journal: Journal | None):
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
        self._params: dict[str, str] = {}
        self._checkpoint_file: dict[str, str] = {}
        self._exploits: dict[str, int] = {}  # exploits journaled per trial (PBT), for readers of the folder
        self._none_asks = 0
        self.files = Appender()  # params.json and error.txt: derived data, written off the driver thread
        self.last_changes: dict[str, str] = {}

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
        if changes:
            record["st"] = changes
        self._write(record)
        self._trial_folder(trial)
        return suggestion

    def tell(self, trial_id: str, metrics: dict[str, Any], checkpoint: Any = None) -> Decision:
        now = self._tick()
        trial = self._exp.trials.get(trial_id)
        recorded = len(trial.results) if trial is not None else 0
        decision = self._exp.tell(trial_id, metrics, checkpoint=checkpoint)
        if len(trial.results) == recorded:  # a re-made report of a restarted trial: only its metrics matter
            record = {"ev": "tell", "id": trial_id, "drop": 1, "r": {m: metrics[m] for m in self._exp.metrics},
                      "t": now}
        else:
            result = {k: v for k, v in trial.last_result.items() if k != "config"}
            record = {"ev": "tell", "id": trial_id, "r": result, "t": now}
            if checkpoint is not None:
                inline = checkpoint.as_record() if type(checkpoint) is SimCheckpoint else None
                if inline is not None:
                    record["sck"] = inline  # simulated: no file at all
                else:
                    record["ck"] = self._save_checkpoint(trial, checkpoint)
        changes = self._changes()
        if changes:
            record["st"] = changes
        self._write(record)
        if "ck" in record:
            self._drop_old_checkpoint(trial, record["ck"])
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
                else:
                    self._open[trial_id] = status
        touched.clear()
        self.last_changes = changes
        return changes

    def _write(self, record: dict[str, Any]) -> None:
        if self.replaying:
            return
        if self._none_asks:
            self.journal.write({"ev": "none", "n": self._none_asks, "t": record["t"]})
            self._none_asks = 0
        self.journal.write(record)

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

    def _trial_folder(self, trial: Trial) -> None:
        """Set `trial.path`; (re)write params.json in the background when the config is new or changed (PBT)."""
        trial.path = self.trial_path(trial)
        if self.replaying:
            return
        params = dumps(to_jsonable(trial.config))
        if self._params.get(trial.trial_id) != params:
            self._params[trial.trial_id] = params
            path = os.path.join(trial.path, PARAMS)
            self.files.write(path, json.dumps(json.loads(params), indent=2, ensure_ascii=False).encode("utf-8"),
                             truncate=True)
            self.files.close(path)

    def _save_checkpoint(self, trial: Trial, checkpoint: Any) -> str:
        if isinstance(checkpoint, DiskCheckpoint):  # replaying the journal
            return os.path.basename(checkpoint.path)
        name = f"checkpoint_{trial.iteration:06d}.pkl"
        import cloudpickle

        try:
            data = cloudpickle.dumps(checkpoint)
        except Exception as error:  # noqa: BLE001 - an unpicklable checkpoint only costs crash-safety
            import logging

            logging.getLogger("asktell").warning("checkpoint of %s is not picklable (%s): not saved", trial, error)
            return ""
        write_atomic(os.path.join(self.trial_path(trial), name), data, sync=self.journal.fsync)
        return name

    def _drop_old_checkpoint(self, trial: Trial, name: str) -> None:
        old = self._checkpoint_file.get(trial.trial_id)
        self._checkpoint_file[trial.trial_id] = name
        if old and old != name and not self.replaying:
            try:
                os.remove(os.path.join(self.trial_path(trial), old))
            except OSError:
                pass
