"""`MLflowLoggerCallback`: every trial as an MLflow run (params, metrics per step, status, artifacts on request)
under one parent run for the experiment. Needs `pip install "asktell[mlflow]"`; mlflow is imported when the
callback is made (not when hpo_core is).

The driver thread only queues work: one background thread talks to MLflow, in order, sending each trial's metrics
in one batch per second (a database write per report costs ~100 ms with SQLite on a busy disk); the end of the
experiment waits until MLflow has everything.
"""
from __future__ import annotations

import json
import logging
import numbers
import os
import queue
import re
import threading
import time
import traceback
from typing import Any

from ..callbacks import Callback
from ..errors import AsktellTypeError, AsktellValueError
from ..storage.layout import dumps
from .files import flatten

logger = logging.getLogger("asktell")

MAX_PARAM_CHARS = 6000  # MLflow's limit on a param value
FLUSH_INTERVAL_S = 1.0  # metrics are sent to MLflow in one batch per trial at most this often (and at the end)
_BAD_KEY = re.compile(r"[^A-Za-z0-9_\-. /]")
_SKIPPED = ("training_iteration", "done", "trial_id")


class MLflowLoggerCallback(Callback):
    """Log each trial to MLflow: one run per trial (nested under a parent run for the experiment).

    Args:
        tracking_uri: where MLflow stores runs: `sqlite:///path.db`, a server URL, or a folder (MLflow 3 takes a
            folder only with `MLFLOW_ALLOW_FILE_STORE=true`); default: MLflow's own (`$MLFLOW_TRACKING_URI`).
        experiment_name: the MLflow experiment (created when missing); default: the experiment folder's name.
        tags: tags set on every run (parent and trials).
        save_artifact: when True, upload each trial's folder (params, checkpoints, error.txt, result files) as the
            run's artifacts when the trial ends.

    ```
    from hpo_core.loggers import MLflowLoggerCallback
    hpo_core.run(train, config, metric="loss", mode="min",
                 callbacks=[MLflowLoggerCallback(tracking_uri="sqlite:///mlflow.db", experiment_name="demo")])
    ```
    """

    def __init__(self, tracking_uri: str | None = None, *, experiment_name: str | None = None,
                 tags: dict[str, Any] | None = None, save_artifact: bool = False):
        if tracking_uri is not None and not isinstance(tracking_uri, (str, os.PathLike)):
            raise AsktellTypeError(f"`tracking_uri` must be a string or path, but got {tracking_uri!r}")
        if experiment_name is not None and (not isinstance(experiment_name, str) or not experiment_name):
            raise AsktellTypeError(f"`experiment_name` must be a non-empty string, but got {experiment_name!r}")
        if tags is not None and not isinstance(tags, dict):
            raise AsktellTypeError(f"`tags` must be a dict, but got {tags!r}")
        if not isinstance(save_artifact, bool):
            raise AsktellTypeError(f"`save_artifact` must be True or False, but got {save_artifact!r}")
        self.tracking_uri = None if tracking_uri is None else os.fspath(tracking_uri)
        self.experiment_name = experiment_name
        self.tags = {str(k): str(v) for k, v in (tags or {}).items()}
        self.save_artifact = save_artifact
        self.client = _client(self.tracking_uri)
        self.experiment_id: str | None = None
        self.parent_run_id: str | None = None
        self.run_ids: dict[str, str] = {}  # trial_id -> MLflow run id (set by the worker thread)
        self._open: set[str] = set()  # trials whose run was asked for and not ended yet
        self._buffer: dict[str, list[Any]] = {}  # trial_id -> metrics not sent yet
        self._last_flush = time.monotonic()
        self._worker = _Worker()

    # --- hooks (driver thread: they only queue work) -----------------------------------------------------------
    def on_trial_start(self, iteration: int, trials: list, trial, **info: Any) -> None:
        if trial.trial_id in self._open:  # a paused trial resumes: same run
            return
        self._open.add(trial.trial_id)
        folder = os.path.dirname(trial.path) if trial.path else None
        self._worker.put(self._start_run, trial.trial_id, str(trial), flatten(trial.config), folder)

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        if trial.trial_id not in self._open:
            return
        from mlflow.entities import Metric

        step = int(result.get("training_iteration", 0))
        stamp = int(float(result.get("timestamp", 0)) * 1000)
        self._buffer.setdefault(trial.trial_id, []).extend(
            Metric(_key(k), float(v), stamp, step) for k, v in flatten(result).items()
            if k != "config" and not k.startswith("config/") and k not in _SKIPPED
            and isinstance(v, numbers.Real) and not isinstance(v, bool))
        if time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
            self._last_flush = time.monotonic()
            for trial_id in list(self._buffer):
                self._worker.put(self._send, trial_id, self._buffer.pop(trial_id), [])

    def on_trial_complete(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self._end_trial(trial, "FINISHED")

    def on_trial_error(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self._end_trial(trial, "FAILED")

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        """End the runs of trials left running or paused (KILLED) and the parent run; wait until MLflow has all."""
        for trial in trials:
            if trial.trial_id in self._open:
                self._end_trial(trial, "KILLED")
        self._worker.put(self._end_parent)
        self._worker.drain()

    # --- work (the worker thread, in queue order) --------------------------------------------------------------
    def _start_run(self, trial_id: str, name: str, config: dict[str, Any], folder: str | None) -> None:
        from mlflow.entities import Param

        if self.parent_run_id is None:
            experiment = self.experiment_name or (os.path.basename(folder) if folder else "asktell")
            existing = self.client.get_experiment_by_name(experiment)
            self.experiment_id = existing.experiment_id if existing is not None else \
                self.client.create_experiment(experiment)
            self.parent_run_id = self.client.create_run(self.experiment_id, run_name=experiment, tags={
                **self.tags, "asktell.experiment_folder": folder or ""}).info.run_id
        run_id = self.client.create_run(self.experiment_id, run_name=name, tags={
            **self.tags, "mlflow.parentRunId": self.parent_run_id, "trial_id": trial_id}).info.run_id
        self.run_ids[trial_id] = run_id
        params = [Param(_key(k), _param_value(v)) for k, v in config.items()]
        for start in range(0, len(params), 100):  # MLflow takes at most 100 params per batch
            self.client.log_batch(run_id, params=params[start:start + 100])

    def _send(self, trial_id: str, metrics: list[Any], tags: list[Any]) -> None:
        run_id = self.run_ids.get(trial_id)
        if run_id is None or not (metrics or tags):
            return
        for start in range(0, max(len(metrics), 1), 1000):  # at most 1,000 metrics per batch
            self.client.log_batch(run_id, metrics=metrics[start:start + 1000], tags=tags if start == 0 else [])

    def _finish(self, trial_id: str, status: str, files: dict[str, str], folder: str | None) -> None:
        run_id = self.run_ids.pop(trial_id, None)
        if run_id is None:
            return
        if folder and os.path.isdir(folder):
            self.client.log_artifacts(run_id, folder)
        for name, text in files.items():
            self.client.log_text(run_id, text, name)
        self.client.set_terminated(run_id, status)

    def _end_parent(self) -> None:
        if self.parent_run_id is not None:
            self.client.set_terminated(self.parent_run_id, "FINISHED")
            self.parent_run_id = None

    def _end_trial(self, trial, status: str) -> None:
        if trial.trial_id not in self._open:
            return
        self._open.discard(trial.trial_id)
        from mlflow.entities import RunTag

        tags = [RunTag("asktell.status", trial.status.name)]
        if trial.error:
            tags.append(RunTag("error", trial.error.strip().splitlines()[-1][:MAX_PARAM_CHARS]))
        self._worker.put(self._send, trial.trial_id, self._buffer.pop(trial.trial_id, []), tags)
        files: dict[str, str] = {}
        if self.save_artifact:  # complete from memory (the folder's result.json may still be in the loggers' queue)
            files["result.json"] = "".join(dumps({k: v for k, v in r.items() if k != "config"}) + "\n"
                                           for r in trial.results)
            files["params.json"] = json.dumps(trial.config, default=repr, indent=2)
        self._worker.put(self._finish, trial.trial_id, status, files, trial.path if self.save_artifact else None)


class _Worker:
    """One daemon thread that runs queued calls in order; a call that raises is logged and skipped (MLflow being
    down never stops the experiment)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def put(self, function: Any, *args: Any) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="asktell-mlflow", daemon=True)
            self._thread.start()
        self._queue.put((function, args))

    def drain(self, timeout: float = 600.0) -> None:
        done = threading.Event()
        self.put(done.set)
        if not done.wait(timeout):
            logger.warning("MLflow logging did not finish within %.0f s; some results may be missing", timeout)

    def _loop(self) -> None:
        while True:
            function, args = self._queue.get()
            try:
                function(*args)
            except Exception:  # noqa: BLE001 - a tracking server's failure must not end the run
                logger.error("MLflowLoggerCallback: %s failed:\n%s", getattr(function, "__name__", function),
                             traceback.format_exc())


def _client(tracking_uri: str | None) -> Any:
    """An `MlflowClient` for `tracking_uri`, or a clear error now (not a logged one per report later)."""
    try:
        from mlflow.exceptions import MlflowException
        from mlflow.tracking import MlflowClient
    except ImportError as error:  # pragma: no cover - the extra is missing
        raise ImportError('MLflowLoggerCallback needs mlflow: pip install "asktell[mlflow]"') from error
    try:
        return MlflowClient(tracking_uri=tracking_uri)
    except MlflowException as error:  # e.g. MLflow 3 refuses a folder store unless MLFLOW_ALLOW_FILE_STORE=true
        raise AsktellValueError(f"`tracking_uri={tracking_uri!r}`: MLflow refuses it: {error}") from error


def _key(name: str) -> str:
    """A name MLflow accepts (letters, digits, `_-. /`)."""
    return _BAD_KEY.sub("_", str(name)) or "_"


def _param_value(value: Any) -> str:
    return str(value)[:MAX_PARAM_CHARS]
