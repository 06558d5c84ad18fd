"""Synthetic functions with known minima as single-fidelity problems (scored by simple regret)."""
from __future__ import annotations

from typing import Any

from hpo_core import grid_search

from ..functions import FUNCTIONS, TestFunction
from .base import SingleFidelityProblem, lin_grid


class SyntheticProblem(SingleFidelityProblem):
    """Minimise one of `benchmarks.functions.FUNCTIONS`; regret is the distance to its known minimum."""

    def __init__(self, function: TestFunction | str):
        self.function = FUNCTIONS[function] if isinstance(function, str) else function
        self.name = self.function.name
        self.optimum = self.function.optimum

    def space(self) -> dict[str, Any]:
        return self.function.space()

    def grid(self, budget: int) -> dict[str, Any] | None:
        """A full grid for functions of at most 2 dimensions (a grid in 6+ dimensions is hopeless)."""
        dim = self.function.dim
        if dim > 2:
            return None
        points = max(2, int(budget ** (1 / dim) + 1e-9))
        return {f"x{i}": grid_search(lin_grid(lo, hi, points)) for i, (lo, hi) in enumerate(self.function.bounds)}

    def evaluate(self, config: dict[str, Any]) -> float:
        return self.function(config)
