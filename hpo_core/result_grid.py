"""`ResultGrid` and `Result`: what `Tuner.fit()` returns (Ray Tune's names), read from an `ExperimentAnalysis`."""
from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .analysis import ExperimentAnalysis
from .enums import TrialStatus
from .errors import AsktellError, AsktellValueError
from .trial import Trial


class TrialError(AsktellError):
    """A trial failed: the message holds the error text (the traceback) the trial ended with."""

    def __init__(self, trial_name: str, text: str):
        super().__init__(f"trial {trial_name} failed:\n{text}")
        self.trial_name = trial_name
        self.text = text


def checkpoint_value(stored: Any) -> Any:
    """The checkpoint the trainable reported, out of the experiment folder's record (`DiskCheckpoint`) and an
    executor's wrapper (such as `hpo_ray.RayCheckpoint`)."""
    from .storage.checkpoints import DiskCheckpoint

    if isinstance(stored, DiskCheckpoint):
        stored = stored.load()
    unwrap = getattr(type(stored), "__checkpoint_value__", None)
    return stored if unwrap is None else unwrap(stored)


@dataclass
class Result:
    """One trial's outcome.

    Args:
        metrics: its last result (with `config`).
        config: its config.
        checkpoint: its latest checkpoint (None when it saved none).
        path: its folder in the experiment folder.
        error: a `TrialError` when it failed.
        best_checkpoints: (checkpoint, result) pairs kept under the run's `CheckpointConfig`.
        trial: the trial record.

    Example:
        >>> from hpo_core import Experiment
        >>> exp = Experiment({"x": 1}, metric="loss", mode="min", seed=0)
        >>> s = exp.ask(); _ = exp.tell(s.trial_id, {"loss": 0.5}); exp.complete(s.trial_id)
        >>> Result.of(exp.trials[s.trial_id]).metrics["loss"]
        0.5
    """

    metrics: dict[str, Any]
    config: dict[str, Any]
    checkpoint: Any = None
    path: str | None = None
    error: TrialError | None = None
    best_checkpoints: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    trial: Trial | None = field(default=None, repr=False)

    @classmethod
    def of(cls, trial: Trial, kept: list[tuple[Any, dict[str, Any]]] | None = None) -> Result:
        checkpoint = checkpoint_value(trial.checkpoint) if trial.checkpoint is not None else None
        if kept is None:
            at = trial.checkpoint_iteration
            result = next((r for r in trial.results if r.get("training_iteration") == at), trial.last_result)
            kept = [] if checkpoint is None else [(checkpoint, result)]
        error = None if trial.status is not TrialStatus.ERROR else TrialError(str(trial), trial.error or "")
        metrics = dict(trial.last_result)
        metrics.setdefault("config", trial.config)
        return cls(metrics=metrics, config=trial.config, checkpoint=checkpoint, path=trial.path, error=error,
                   best_checkpoints=kept, trial=trial)

    @property
    def metrics_dataframe(self):
        """Every result of the trial as a pandas DataFrame (one row per report)."""
        import pandas as pd

        results = self.trial.results if self.trial is not None else [self.metrics]
        return pd.DataFrame([{k: v for k, v in r.items() if k != "config"} for r in results])


class ResultGrid:
    """The results of every trial of a `Tuner.fit()`: `len`, iteration, indexing, the best one, a DataFrame.

    Args:
        analysis: the experiment's `ExperimentAnalysis`.
        kept_checkpoints: trial id -> (checkpoint, result) pairs kept under the `CheckpointConfig`.

    Example:
        >>> from hpo_core import Experiment
        >>> exp = Experiment({"x": 1}, metric="loss", mode="min", seed=0)
        >>> s = exp.ask(); _ = exp.tell(s.trial_id, {"loss": 0.5}); exp.complete(s.trial_id)
        >>> grid = ResultGrid(exp.analysis())
        >>> len(grid), grid.get_best_result().metrics["loss"]
        (1, 0.5)
    """

    def __init__(self, analysis: ExperimentAnalysis,
                 kept_checkpoints: dict[str, list[tuple[Any, dict[str, Any]]]] | None = None):
        self._analysis = analysis
        kept = kept_checkpoints or {}
        self._results = [Result.of(trial, kept.get(trial.trial_id)) for trial in analysis.trials]

    @property
    def experiment_path(self) -> str | None:
        """The experiment folder."""
        return None if self._analysis.path is None else os.fspath(self._analysis.path)

    @property
    def analysis(self) -> ExperimentAnalysis:
        return self._analysis

    def __len__(self) -> int:
        return len(self._results)

    def __getitem__(self, index: int) -> Result:
        return self._results[index]

    def __iter__(self) -> Iterator[Result]:
        return iter(self._results)

    @property
    def errors(self) -> list[TrialError]:
        return [r.error for r in self._results if r.error is not None]

    @property
    def num_errors(self) -> int:
        return len(self.errors)

    @property
    def num_terminated(self) -> int:
        return sum(1 for t in self._analysis.trials if t.status is TrialStatus.TERMINATED)

    def get_best_result(self, metric: str | None = None, mode: str | None = None, scope: str = "last",
                        filter_nan_and_inf: bool = True) -> Result:
        """The trial with the best `metric` (default: the run's) under `scope` ("last", "avg", "last-5-avg",
        "last-10-avg" or "all"); trials whose value is NaN or infinite are skipped unless `filter_nan_and_inf`
        is False. Raises when no trial reported the metric."""
        analysis = self._analysis
        best = analysis.get_best_trial(metric, mode, scope, filter_nan_and_inf=filter_nan_and_inf)
        if best is None:
            metric = metric or analysis.default_metric
            raise AsktellValueError(
                f"no trial has a {'finite ' if filter_nan_and_inf else ''}value of metric={metric!r} to rank by"
            )
        return self._results[analysis.trials.index(best)]

    def get_dataframe(self, filter_metric: str | None = None, filter_mode: str | None = None):
        """One row per trial: its last result, or with `filter_metric`/`filter_mode` its best one."""
        return self._analysis.dataframe(filter_metric, filter_mode)

    def __repr__(self) -> str:
        return f"ResultGrid({len(self)} results, {self.num_errors} errors, path={self.experiment_path!r})"

