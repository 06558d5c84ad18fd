"""`MLflowLoggerCallback`: every trial as an MLflow run (params, metrics per step, status, artifacts on request)
under one parent run for the experiment. Needs `pip install "asktell[mlflow]"`; mlflow is imported when the
callback is made (not when hpo_core is).

Metrics go through MLflow's asynchronous logging (its own background thread), so a report costs the driver a queue
put, not a database write; a trial's run is flushed before it is marked finished.
"""
from __future__ import annotations

import json
import numbers
import os
import re
from typing import Any

from ..callbacks import Callback
from ..errors import AsktellTypeError, AsktellValueError
from ..storage.layout import dumps
from .files import flatten

MAX_PARAM_CHARS = 6000  # MLflow's limit on a param value
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
        self.run_ids: dict[str, str] = {}  # trial_id -> MLflow run id
        self._pending: dict[str, list[Any]] = {}  # trial_id -> async logging operations not yet waited for

    # --- hooks -------------------------------------------------------------------------------------------------
    def on_trial_start(self, iteration: int, trials: list, trial, **info: Any) -> None:
        if trial.trial_id in self.run_ids:  # a paused trial resumes: same run
            return
        if self.parent_run_id is None:
            self._start_parent(trial)
        run = self.client.create_run(self.experiment_id, run_name=str(trial), tags={
            **self.tags, "mlflow.parentRunId": self.parent_run_id, "trial_id": trial.trial_id})
        self.run_ids[trial.trial_id] = run.info.run_id
        from mlflow.entities import Param

        params = [Param(_key(k), _param_value(v)) for k, v in flatten(trial.config).items()]
        for start in range(0, len(params), 100):  # MLflow takes at most 100 params per batch
            self.client.log_batch(run.info.run_id, params=params[start:start + 100])

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        run_id = self.run_ids.get(trial.trial_id)
        if run_id is None:
            return
        from mlflow.entities import Metric

        step = int(result.get("training_iteration", 0))
        stamp = int(float(result.get("timestamp", 0)) * 1000)
        metrics = [Metric(_key(k), float(v), stamp, step) for k, v in flatten(result).items()
                   if k != "config" and not k.startswith("config/") and k not in _SKIPPED
                   and isinstance(v, numbers.Real) and not isinstance(v, bool)]
        if metrics:
            operation = self.client.log_batch(run_id, metrics=metrics, synchronous=False)
            self._pending.setdefault(trial.trial_id, []).append(operation)

    def on_trial_complete(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self._end_trial(trial, "FINISHED")

    def on_trial_error(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self._end_trial(trial, "FAILED")

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        for trial in trials:  # trials left running or paused (a stopped experiment)
            if trial.trial_id in self.run_ids:
                self._end_trial(trial, "KILLED")
        if self.parent_run_id is not None:
            self.client.set_terminated(self.parent_run_id, "FINISHED")
            self.parent_run_id = None

    # --- helpers -----------------------------------------------------------------------------------------------
    def _start_parent(self, trial) -> None:
        folder = os.path.dirname(trial.path) if trial.path else None
        name = self.experiment_name or (os.path.basename(folder) if folder else "asktell")
        existing = self.client.get_experiment_by_name(name)
        self.experiment_id = existing.experiment_id if existing is not None else self.client.create_experiment(name)
        tags = {**self.tags, "asktell.experiment_folder": folder or ""}
        self.parent_run_id = self.client.create_run(self.experiment_id, run_name=name, tags=tags).info.run_id

    def _end_trial(self, trial, status: str) -> None:
        run_id = self.run_ids.pop(trial.trial_id, None)
        if run_id is None:
            return
        for operation in self._pending.pop(trial.trial_id, []):
            operation.wait()
        self.client.set_tag(run_id, "asktell.status", trial.status.name)
        if trial.error:
            self.client.set_tag(run_id, "error", trial.error.strip().splitlines()[-1][:MAX_PARAM_CHARS])
        if self.save_artifact:
            if trial.path and os.path.isdir(trial.path):
                self.client.log_artifacts(run_id, trial.path)
            # the complete results from memory (the folder's result.json may still be in the loggers' queue)
            lines = "".join(dumps({k: v for k, v in r.items() if k != "config"}) + "\n" for r in trial.results)
            self.client.log_text(run_id, lines, "result.json")
            self.client.log_text(run_id, json.dumps(trial.config, default=repr, indent=2), "params.json")
        self.client.set_terminated(run_id, status)


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
