"""Multi-fidelity: the cached MLP-on-digits learning curves (`benchmarks/data/mlp_digits_curves.npz`), replayed epoch
by epoch on the simulated clock. Regenerate the table with `python benchmarks/data/make_mlp_curves.py`."""
from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from hpo_core import choice
from hpo_core.errors import AsktellValueError

from .base import Problem

TABLE = Path(__file__).resolve().parent.parent / "data" / "mlp_digits_curves.npz"
PARAMS = ("learning_rate_init", "width", "batch_size", "alpha")


@cache
def load_table(path: str = str(TABLE)) -> dict[str, np.ndarray]:
    if not Path(path).exists():
        raise FileNotFoundError(f"no learning-curve table at {path}: run python benchmarks/data/make_mlp_curves.py")
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


class LearningCurveProblem(Problem):
    """Minimise the validation error of an MLP on digits; each report is one epoch (`max_t` epochs in all).

    A config picks one value per hyperparameter of the table's grid; its report at epoch e carries `val_error`
    and `val_loss` and arrives `epoch_seconds` simulated seconds after the previous one. The optimum is the lowest
    error anywhere in the table. Any iteration is a valid checkpoint: a resumed trial goes on at the next epoch.
    """

    name = "mlp-digits"
    metric = "val_error"

    def __init__(self, path: str | Path = TABLE, *, max_t: int | None = None):
        table = load_table(str(path))
        self.values = {name: sorted({v.item() for v in table[name]}) for name in PARAMS}
        self._row = {tuple(table[name][i].item() for name in PARAMS): i for i in range(len(table["width"]))}
        self._error = (1.0 - table["val_accuracy"].astype(np.float64)).tolist()
        self._loss = table["val_loss"].astype(np.float64).tolist()
        self._seconds = table["epoch_seconds"].astype(np.float64).tolist()
        self.mean_epoch_s = float(np.mean(self._seconds))
        epochs = table["val_accuracy"].shape[1]
        self.max_t = epochs if max_t is None else int(max_t)
        if not 1 <= self.max_t <= epochs:
            raise AsktellValueError(f"`max_t` must be in 1..{epochs}, but got {max_t!r}")
        self.optimum = float(np.min(1.0 - table["val_accuracy"][:, : self.max_t]))

    def space(self) -> dict[str, Any]:
        return {name: choice(values) for name, values in self.values.items()}

    def row(self, config: dict[str, Any]) -> int:
        key = tuple(config[name] for name in PARAMS)
        if key not in self._row:
            raise AsktellValueError(f"config {config!r} is not a point of the learning-curve table")
        return self._row[key]

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None) -> Iterable[tuple]:
        row = self.row(config)
        errors, losses, seconds = self._error[row], self._loss[row], self._seconds[row]
        metric = self.metric
        for epoch in range(start_iteration, self.max_t):
            yield seconds, {metric: errors[epoch], "val_loss": losses[epoch]}
