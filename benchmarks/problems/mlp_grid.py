"""Multi-fidelity: the cached 512-config MLP-on-digits table (`benchmarks/data/mlp_digits_grid.npz`), replayed epoch
by epoch with the CPU seconds each epoch took when the table was made. Regenerate it (about ten CPU minutes) with
`python benchmarks/data/make_mlp_grid_curves.py --jobs 2`."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from hpo_core import choice
from hpo_core.errors import AsktellValueError

from .base import Problem
from .curves import load_table

TABLE = Path(__file__).resolve().parent.parent / "data" / "mlp_digits_grid.npz"
PARAMS = ("learning_rate_init", "width", "batch_size", "alpha", "activation")


class MLPGridProblem(Problem):
    """Minimise the validation error of a one-layer MLP on digits over a full grid of 512 configs x 50 epochs.

    The numeric hyperparameters are `choice`s over ascending numbers (the model-based searchers treat them as
    ordinals), the activation a plain categorical. Each report is one epoch; it carries `val_error` and `val_loss`
    and arrives after the measured seconds of that epoch. The optimum is the lowest error anywhere in the table.
    """

    name = "mlp-grid"
    metric = "val_error"

    def __init__(self, path: str | Path = TABLE):
        if not Path(path).exists():
            raise FileNotFoundError(f"no table at {path}: run python benchmarks/data/make_mlp_grid_curves.py")
        table = load_table(str(path))
        columns = {name: [v.item() if hasattr(v, "item") else v for v in table[name]] for name in PARAMS}
        self.values = {name: sorted(set(values)) for name, values in columns.items()}
        self._row = {key: i for i, key in enumerate(zip(*(columns[name] for name in PARAMS)))}
        self._error = (1.0 - table["val_accuracy"].astype(np.float64)).tolist()
        self._loss = table["val_loss"].astype(np.float64).tolist()
        self._seconds = table["epoch_seconds"].astype(np.float64).tolist()
        self.mean_epoch_s = float(np.mean(table["epoch_seconds"]))
        self.max_t = table["val_accuracy"].shape[1]
        self.optimum = float(np.min(1.0 - table["val_accuracy"]))

    def space(self) -> dict[str, Any]:
        return {name: choice(values) for name, values in self.values.items()}

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None) -> Iterable[tuple]:
        key = tuple(config[name] for name in PARAMS)
        if key not in self._row:
            raise AsktellValueError(f"config {config!r} is not a point of the MLP grid table")
        row = self._row[key]
        errors, losses, seconds = self._error[row], self._loss[row], self._seconds[row]
        for epoch in range(start_iteration, self.max_t):
            yield seconds[epoch], {self.metric: errors[epoch], "val_loss": losses[epoch]}
