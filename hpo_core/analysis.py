"""`ExperimentAnalysis`: the trials of an experiment and the questions people ask of them."""
from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import Any

from .errors import AsktellValueError
from .objectives import check_mode, check_modes, check_objectives
from .trial import Trial
from .trial_front import front, front_hypervolume

SCOPES = ("all", "last", "avg", "last-5-avg", "last-10-avg")


class ExperimentAnalysis:
    """Best trial/config/result, per-trial results and data frames.

    Built from trial records (what `run()` and `Experiment.analysis()` return) or, with a path, from an experiment
    folder written by `run(storage_path=...)`. With several objectives (`default_metric=[...]`), `best_trials` /
    `pareto_front()` give the non-dominated trials and the single-metric questions need a metric named.
    """

    def __init__(
        self,
        trials: list[Trial] | str | os.PathLike,
        default_metric: str | list[str] | None = None,
        default_mode: str | list[str] | None = None,
    ):
        if isinstance(trials, (str, os.PathLike)):
            from .storage.loader import load_experiment  # the persistence layer (experiment folders)

            self.path = os.fspath(trials)
            loaded = load_experiment(self.path)
            trials = loaded.trials
            default_metric = default_metric or loaded.header.get("metrics") or loaded.metric
            default_mode = default_mode or loaded.header.get("modes") or loaded.mode
        else:
            self.path = None
        check_modes(default_mode, "default_mode")
        self.metrics, self.modes = check_objectives(default_metric, default_mode) if default_metric else ([], [])
        self.trials: list[Trial] = list(trials)
        self.default_metric = self.metrics[0] if len(self.metrics) == 1 else default_metric
        self.default_mode = self.modes[0] if len(self.modes) == 1 else default_mode

    # --- best ------------------------------------------------------------------------------------------------
    def get_best_trial(self, metric: str | None = None, mode: str | None = None, scope: str = "last", *,
                       filter_nan_and_inf: bool = True) -> Trial | None:
        """The trial with the best `metric` under `scope`.

        Args:
            metric, mode: default to the experiment's.
            scope: "last" result, "avg", "last-5-avg", "last-10-avg" (means of the last results) or "all" (its best
                result ever).
            filter_nan_and_inf: leave out trials whose scoped value is NaN or infinite (as Ray Tune does; "all"
                then looks at finite results only). With False, NaN ranks worst and infinities compare as numbers.

        Returns None when no trial qualifies. `analysis.get_best_trial("loss", "min", scope="all")`
        """
        metric, mode = self._metric_mode(metric, mode)
        if scope not in SCOPES:
            raise AsktellValueError(f"`scope` must be one of {SCOPES}, but got {scope!r}")
        return best_trial(self.trials, metric, mode, scope, filter_nan_and_inf=filter_nan_and_inf)

    def get_best_config(self, metric: str | None = None, mode: str | None = None, scope: str = "last", *,
                        filter_nan_and_inf: bool = True) -> dict[str, Any] | None:
        """The config of `get_best_trial(...)` (same arguments), or None."""
        trial = self.get_best_trial(metric, mode, scope, filter_nan_and_inf=filter_nan_and_inf)
        return None if trial is None else trial.config

    @property
    def best_trial(self) -> Trial | None:
        return self.get_best_trial()

    @property
    def best_config(self) -> dict[str, Any] | None:
        return self.get_best_config()

    @property
    def best_result(self) -> dict[str, Any] | None:
        trial = self.best_trial
        return None if trial is None else trial.last_result

    @property
    def results(self) -> dict[str, dict[str, Any]]:
        """trial_id -> last result (which holds `config`)."""
        return {t.trial_id: t.last_result for t in self.trials}

    # --- several objectives ----------------------------------------------------------------------------------
    def pareto_front(self, metrics: list[str] | None = None, modes: list[str] | None = None,
                     scope: str = "last") -> list[Trial]:
        """The trials no other trial beats in every objective (NaN/inf values and missing metrics leave a trial out).

        Args:
            metrics, modes: lists; default to the experiment's objectives.
            scope: which value of each metric stands for the trial, as in `get_best_trial`.

        `analysis.pareto_front(["loss", "latency"], ["min", "min"])`
        """
        metrics, modes = self._objectives(metrics, modes, scope)
        return front(self.trials, metrics, modes, self._scoped(scope))

    @property
    def best_trials(self) -> list[Trial]:
        """The Pareto front under the experiment's objectives (optuna's name); one objective: the best trial(s)."""
        return self.pareto_front()

    def hypervolume(self, metrics: list[str] | None = None, modes: list[str] | None = None, *,
                    reference: list[float] | None = None, scope: str = "last") -> float:
        """The volume the trials dominate up to `reference` (in the metrics' units; default: the worst values seen
        plus a tenth of their range, which compares runs of the same experiment only)."""
        metrics, modes = self._objectives(metrics, modes, scope)
        return front_hypervolume(self.trials, metrics, modes, self._scoped(scope), reference)

    def _objectives(self, metrics: Any, modes: Any, scope: str) -> tuple[list[str], list[str]]:
        if scope not in SCOPES:
            raise AsktellValueError(f"`scope` must be one of {SCOPES}, but got {scope!r}")
        metrics, modes = check_objectives(metrics or self.metrics, modes or self.modes)
        if not metrics or len(modes) != len(metrics):
            raise AsktellValueError(
                f"no objectives to rank trials by (metrics={metrics!r}, modes={modes!r}): pass them here or to run()"
            )
        return metrics, modes

    @staticmethod
    def _scoped(scope: str):
        return lambda trial, metric, mode: _scoped_value(trial, metric, mode, scope, finite_only=True)

    # --- tables -----------------------------------------------------------------------------------------------
    def dataframe(self, metric: str | None = None, mode: str | None = None):
        """One row per trial: its last result (or, with metric and mode, its best result), config flattened. With
        several objectives, a column `pareto_front` says whether the trial is on the front of the last results."""
        import pandas as pd

        on_front = {t.trial_id for t in self.pareto_front()} if len(self.metrics) > 1 else None
        rows = []
        for trial in self.trials:
            result = trial.last_result
            if metric is not None and mode is not None and trial.results:
                scored = [r for r in trial.results if metric in r]
                if scored:
                    result = (max if mode == "max" else min)(scored, key=lambda r: _nan_last(r[metric], mode))
            row = {k: v for k, v in result.items() if k != "config"}
            row.update({f"config/{k}": v for k, v in _flat(trial.config).items()})
            row["trial_id"] = trial.trial_id
            row["status"] = trial.status.name
            if on_front is not None:
                row["pareto_front"] = trial.trial_id in on_front
            rows.append(row)
        return pd.DataFrame(rows)

    @property
    def trial_dataframes(self) -> dict[str, Any]:
        """trial_id -> DataFrame of all its results."""
        import pandas as pd

        return {
            t.trial_id: pd.DataFrame([{k: v for k, v in r.items() if k != "config"} for r in t.results])
            for t in self.trials
        }

    def _metric_mode(self, metric: str | None, mode: str | None) -> tuple[str, str]:
        if metric is None and len(self.metrics) > 1:
            raise AsktellValueError(
                f"this experiment has several objectives {self.metrics}: name one (get_best_trial(metric, mode)) "
                "or ask for best_trials / pareto_front()"
            )
        if mode is None and metric in self.metrics:
            mode = self.modes[self.metrics.index(metric)]
        metric = metric or self.default_metric
        mode = mode or self.default_mode
        check_mode(mode)
        if metric is None or mode is None:
            raise AsktellValueError(
                f"no metric/mode to rank trials by (metric={metric!r}, mode={mode!r}): pass them here or to run()"
            )
        return metric, mode


def best_trial(trials: Iterable[Trial], metric: str, mode: str, scope: str = "last", *,
               filter_nan_and_inf: bool = True) -> Trial | None:
    """The best of `trials` by `metric` under `scope` (see `ExperimentAnalysis.get_best_trial`); None if none."""
    best, best_key = None, None
    for trial in trials:
        value = _scoped_value(trial, metric, mode, scope, finite_only=filter_nan_and_inf)
        if value is None or (filter_nan_and_inf and not math.isfinite(value)):
            continue
        key = -math.inf if math.isnan(value) else (value if mode == "max" else -value)
        if best is None or key > best_key:
            best, best_key = trial, key
    return best


def last_value(trial: Trial, metric: str) -> float | None:
    """The metric's value in the trial's latest result that holds it, or None."""
    for result in reversed(trial.results):
        if metric in result:
            return float(result[metric])
    return None


def _nan_last(value: float, mode: str) -> float:
    if isinstance(value, float) and math.isnan(value):
        return -math.inf if mode == "max" else math.inf
    return value


def _scoped_value(trial: Trial, metric: str, mode: str, scope: str, *, finite_only: bool = False) -> float | None:
    if scope == "last":  # the common case, O(1): no list of every value
        return last_value(trial, metric)
    values = [float(r[metric]) for r in trial.results if metric in r]
    if not values:
        return None
    if scope == "all":
        clean = [v for v in values if (math.isfinite(v) if finite_only else not math.isnan(v))]
        return (max if mode == "max" else min)(clean) if clean else math.nan
    n = {"avg": len(values), "last-5-avg": 5, "last-10-avg": 10}[scope]
    tail = values[-n:]
    return sum(tail) / len(tail)


def _flat(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in config.items():
        path = f"{prefix}/{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flat(value, path))
        else:
            out[path] = value
    return out
