"""Helpers for the adapter tests: drive a searcher through `Experiment` ask/tell, and a cheaper UCB for bayes_opt.

`FastUCB` is bayes_opt's own `UpperConfidenceBound` with a smaller acquisition search (fewer random candidates
and L-BFGS starts): the library's extension point, used so GP tests fit the test budget on a shared machine.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
from bayes_opt.acquisition import UpperConfidenceBound

from hpo_core import Experiment, Searcher

optuna.logging.set_verbosity(optuna.logging.WARNING)


class FastUCB(UpperConfidenceBound):
    def suggest(self, gp, target_space, n_random=500, n_smart=1, fit_gp=True, random_state=None):
        return super().suggest(gp, target_space, n_random=n_random, n_smart=n_smart, fit_gp=fit_gp,
                               random_state=random_state)


def run(
    searcher: Searcher,
    space: dict[str, Any],
    objective: Callable[[dict[str, Any]], float | None],
    *,
    n: int,
    mode: str = "min",
    parallel: int = 1,
    seed: int = 0,
    metric: str = "loss",
) -> Experiment:
    """n trials, up to `parallel` live (the oldest is told first); `objective` returning None fails the trial."""
    exp = Experiment(space, metric=metric, mode=mode, num_samples=n, search_alg=searcher, seed=seed)
    live: list[Any] = []
    while not exp.is_finished():
        suggestion = exp.ask() if len(live) < parallel else None
        if suggestion is not None:
            live.append(suggestion)
            continue
        if not live:
            break
        first = live.pop(0)
        value = objective(first.config)
        if value is None:
            exp.complete(first.trial_id, error="boom")
        else:
            exp.tell(first.trial_id, {metric: value})
            exp.complete(first.trial_id)
    return exp


def configs(exp: Experiment) -> list[dict[str, Any]]:
    return [t.config for t in exp.trials.values()]


def best(exp: Experiment, mode: str = "min") -> float:
    values = [t.last_result["loss"] for t in exp.trials.values() if t.last_result]
    return float(min(values) if mode == "min" else max(values))


def min_pairwise_distance(points: list[list[float]]) -> float:
    x = np.asarray(points, dtype=float)
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    return float(d[np.triu_indices(len(x), 1)].min())
