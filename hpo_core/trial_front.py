"""The Pareto front of an experiment's trials: their objective values as a matrix, the non-dominated ones, and
a hypervolume with a reference point taken from the trials when none is given. What `ExperimentAnalysis`,
the plots, the HTML report and `asktell ls` share."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .pareto import hypervolume, pareto_mask, to_minimise
from .trial import Trial

Scoped = Callable[[Trial, str, str], "float | None"]


def objective_matrix(trials: Sequence[Trial], metrics: Sequence[str], modes: Sequence[str],
                     value: Scoped) -> tuple[list[Trial], np.ndarray]:
    """The trials whose `value(trial, metric, mode)` is finite for every objective, and their values (as reported:
    not flipped), one row per trial."""
    kept, rows = [], []
    for trial in trials:
        row = [value(trial, metric, mode) for metric, mode in zip(metrics, modes)]
        if all(v is not None and np.isfinite(v) for v in row):
            kept.append(trial)
            rows.append(row)
    return kept, np.array(rows, dtype=float).reshape(len(rows), len(metrics))


def front(trials: Sequence[Trial], metrics: Sequence[str], modes: Sequence[str], value: Scoped) -> list[Trial]:
    """The non-dominated trials (in the order given)."""
    kept, values = objective_matrix(trials, metrics, modes, value)
    if not kept:
        return []
    mask = pareto_mask(to_minimise(values, modes))
    return [trial for trial, on_front in zip(kept, mask) if on_front]


def default_reference(minimised: np.ndarray) -> np.ndarray:
    """The worst value of each (minimised) objective plus a tenth of its range (plus 1e-9: the worst points count)."""
    low, high = minimised.min(axis=0), minimised.max(axis=0)
    return high + 0.1 * (high - low) + 1e-9


def front_hypervolume(trials: Sequence[Trial], metrics: Sequence[str], modes: Sequence[str], value: Scoped,
                      reference: Any = None) -> float:
    """The hypervolume of the trials' values; `reference` in the metrics' own units and directions (default: the
    worst values seen plus a tenth of their range, so the number compares runs of one experiment only)."""
    kept, values = objective_matrix(trials, metrics, modes, value)
    if not kept:
        return 0.0
    minimised = to_minimise(values, modes)
    ref = default_reference(minimised) if reference is None else to_minimise([reference], modes)[0]
    return hypervolume(minimised, ref)
