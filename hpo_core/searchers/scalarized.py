"""`ScalarizedSearch`: any single-objective searcher made multi-objective by random Chebyshev scalarizations
(ParEGO, Knowles 2006)."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import AsktellValueError
from ..objectives import check_objectives
from ..space import Space
from .base import FINISHED, Searcher, _Finished, adopt_metric_mode
from .wrapper import WrappingSearcher

SCALARIZED = "scalarized"
"""The metric name (minimised) under which the inner searcher is told each trial's scalarized value."""


class ScalarizedSearch(WrappingSearcher):
    """Several objectives through a single-objective `searcher`: each suggestion draws a weight vector λ uniformly
    from the simplex, and when the trial completes the inner searcher is told (metric `"scalarized"`, minimised)
    the augmented Chebyshev value max_i λ_i·f̂_i + ρ·Σ_i λ_i·f̂_i, where f̂ are the objectives scaled to [0, 1] by
    the range seen so far ("max" ones flipped). Different weights pull different trials toward different parts
    of the Pareto front; the inner searcher never knows there is more than one metric.

    Args:
        searcher: a single-objective searcher, constructed without metric/mode (e.g. `OptunaSearch()`,
            `HyperOptSearch()`, `BayesOptSearch()`).
        rho: the weight of the linear term (ParEGO's 0.05): it breaks ties between weakly dominated points.
        metric, mode: lists of metric names and modes (or taken from `run()` / `Experiment`).

    Example:
        >>> from hpo_core import Experiment, BasicVariantGenerator, uniform
        >>> search = ScalarizedSearch(BasicVariantGenerator())
        >>> exp = Experiment({"x": uniform(0, 1)}, metric=["a", "b"], mode=["min", "max"], num_samples=2,
        ...                  search_alg=search, seed=0)
        >>> s = exp.ask()
        >>> round(sum(search.weights[s.trial_id]), 9)  # this trial's random weights
        1.0
        >>> _ = exp.tell(s.trial_id, {"a": s.config["x"], "b": s.config["x"]}); exp.complete(s.trial_id)
    """

    multi_objective = True

    def __init__(self, searcher: Searcher, *, rho: float = 0.05, metric: Any = None, mode: Any = None):
        super().__init__(searcher)
        if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not 0 <= rho < math.inf:
            raise AsktellValueError(f"`rho` must be a number >= 0, but got {rho!r}")
        if metric is not None:
            check_objectives(metric, mode)
        self.metric, self.mode = metric, mode
        self.rho = float(rho)
        self.weight_rng = np.random.default_rng()
        self.weights: dict[str, list[float]] = {}  # trial id -> its λ
        self.low: list[float] = []  # per objective, oriented to minimise: the range seen so far
        self.high: list[float] = []

    def set_search_properties(self, metric: Any, mode: Any, space: Space) -> None:
        adopt_metric_mode(self, metric, mode)
        metrics, modes = check_objectives(self.metric, self.mode)
        if not metrics or len(metrics) != len(modes):
            raise AsktellValueError(
                f"ScalarizedSearch needs `metric` and `mode` lists (here or in run()/Experiment), but got "
                f"metric={self.metric!r}, mode={self.mode!r}"
            )
        self.metrics, self.modes = metrics, modes
        self.space = space
        self.searcher.set_search_properties(SCALARIZED, "min", space)

    def set_rng(self, rng: np.random.Generator) -> None:
        inner, own = rng.spawn(2)
        self.searcher.set_rng(inner)
        self.weight_rng = own

    def suggest(self, trial_id: str) -> dict[str, Any] | None | _Finished:
        config = self.searcher.suggest(trial_id)
        if config is not None and config is not FINISHED:
            self.weights[trial_id] = self.weight_rng.dirichlet(np.ones(len(self.metrics))).tolist()
        return config

    def on_trial_result(self, trial_id: str, result: dict[str, Any]) -> None:
        value = self._value(trial_id, result, learn=False)
        self.searcher.on_trial_result(trial_id, result if value is None else {**result, SCALARIZED: value})

    def on_trial_complete(self, trial_id: str, result: dict[str, Any] | None = None, error: bool = False,
                          pruned: bool = False) -> None:
        value = None if error else self._value(trial_id, result, learn=True)
        told = result if value is None else {**result, SCALARIZED: value}
        self.searcher.on_trial_complete(trial_id, told, error=error, pruned=pruned)
        self.weights.pop(trial_id, None)

    def scalarized(self, result: dict[str, Any], weights: list[float]) -> float:
        """The augmented Chebyshev value of `result` under `weights`, with the objectives scaled by the range seen."""
        terms = []
        for name, mode, low, high, weight in zip(self.metrics, self.modes, self.low, self.high, weights):
            value = float(result[name]) if mode == "min" else -float(result[name])
            terms.append(weight * ((value - low) / (high - low) if high > low else 0.0))
        return max(terms) + self.rho * sum(terms)

    def _value(self, trial_id: str, result: dict[str, Any] | None, *, learn: bool) -> float | None:
        weights = self.weights.get(trial_id)
        if weights is None or not result or not all(_finite(result.get(name)) for name in self.metrics):
            return None
        oriented = [float(result[n]) if m == "min" else -float(result[n]) for n, m in zip(self.metrics, self.modes)]
        if learn or not self.low:
            self.low = [min(a, b) for a, b in zip(self.low, oriented)] if self.low else list(oriented)
            self.high = [max(a, b) for a, b in zip(self.high, oriented)] if self.high else list(oriented)
        return self.scalarized(result, weights)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) and math.isfinite(
        value)
