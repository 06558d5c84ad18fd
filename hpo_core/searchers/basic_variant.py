"""Random and grid search with Ray Tune's semantics: every grid point once per sample, random domains drawn anew."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import AsktellTypeError, AsktellValueError
from ..space import SEP, Space, iter_leaves
from .base import FINISHED, Searcher, _Finished


class BasicVariantGenerator(Searcher):
    """Yields `points_to_evaluate` first, then the grid's cartesian product with random domains sampled anew,
    repeated for `num_samples`. Each point is one sample, grid-searched over the grid variables it does not set (as
    Ray Tune does: a point setting one of two grid variables of sizes 4 and 3 makes 3 trials).

    `constant_grid_search=True` samples the random domains once per repetition and reuses them across its grid
    points. `max_concurrent` > 0 suggests nothing while that many of its trials are running.
    `random_state` (int) seeds it; otherwise the experiment's generator is used.
    """

    def __init__(
        self,
        points_to_evaluate: Sequence[dict[str, Any]] | None = None,
        max_concurrent: int = 0,
        constant_grid_search: bool = False,
        random_state: int | None = None,
    ):
        super().__init__()
        if points_to_evaluate is not None and not all(isinstance(p, dict) for p in points_to_evaluate):
            raise AsktellTypeError(f"`points_to_evaluate` must be a list of dicts, but got {points_to_evaluate!r}")
        if isinstance(max_concurrent, bool) or not isinstance(max_concurrent, int) or max_concurrent < 0:
            raise AsktellValueError(f"`max_concurrent` must be an int >= 0, but got {max_concurrent!r}")
        self._points = [dict(p) for p in points_to_evaluate or []]
        self.max_concurrent = max_concurrent
        self.constant_grid_search = constant_grid_search
        self._own_seed = random_state is not None
        if self._own_seed:
            self.rng = np.random.default_rng(random_state)
        self._grid: list[dict[str, Any]] = [{}]
        self._position = 0  # index into the endless sequence of grid points
        self._constants: dict[str, Any] = {}
        self._live: set[str] = set()

    def set_rng(self, rng: np.random.Generator) -> None:
        if not self._own_seed:
            self.rng = rng

    def _setup(self, space: Space) -> None:
        self._grid = space.grid_points() or [{}]
        self._expanded = [self._expand(_flatten_point(point)) for point in self._points]
        self._points = [fixed for expansion in self._expanded for fixed in expansion]

    def _expand(self, point: dict[str, Any]) -> list[dict[str, Any]]:
        """The point over the grid variables it leaves open, in grid order."""
        open_parts: list[dict[str, Any]] = []
        for grid_point in self._grid:
            part = {path: value for path, value in grid_point.items() if path not in point}
            if part not in open_parts:
                open_parts.append(part)
        return [{**part, **point} for part in open_parts]

    def planned_trials(self, num_samples: int) -> int:
        points = getattr(self, "_expanded", [])[:num_samples]
        return sum(len(e) for e in points) + max(0, num_samples - len(points)) * len(self._grid)

    def suggest(self, trial_id: str) -> dict[str, Any] | None | _Finished:
        if self.space is None:
            raise AsktellValueError("BasicVariantGenerator.suggest() before set_search_properties(): no space given")
        if self.max_concurrent and len(self._live) >= self.max_concurrent:
            return None
        if self._points:
            config = self.space.sample(self.rng, fixed=self._points.pop(0))
        else:
            config = self.space.sample(self.rng, fixed=self._next_fixed())
        self._live.add(trial_id)
        return config

    def _next_fixed(self) -> dict[str, Any]:
        index = self._position % len(self._grid)
        self._position += 1
        fixed = dict(self._grid[index])
        if self.constant_grid_search:
            if index == 0:
                self._constants = self._sample_random_leaves()
            fixed.update(self._constants)
        return fixed

    def _sample_random_leaves(self) -> dict[str, Any]:
        from ..space import Function, Grid

        return {
            path: domain.sample(self.rng)
            for path, domain in self.space.domains.items()
            if not isinstance(domain, (Function, Grid)) and not getattr(domain, "is_conditional", False)
        }

    def on_trial_complete(self, trial_id, result=None, error=False, pruned=False) -> None:
        self._live.discard(trial_id)


def _flatten_point(point: dict[str, Any]) -> dict[str, Any]:
    """A user's point ({"a": {"b": 1}}) as path -> value, leaving sub-dicts that are whole values alone."""
    return dict(iter_leaves(point))


__all__ = ["FINISHED", "SEP", "BasicVariantGenerator"]
