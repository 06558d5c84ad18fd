"""What the multi-objective schedulers share: their objectives as one vector per result, and ranking by
non-dominated sorting (then crowding distance), as NSGA-II selects and MO-ASHA (Schmucker et al., 2021) promotes."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import AsktellValueError
from ..objectives import as_list
from ..pareto import crowding_distance, non_dominated_ranks, rank_order

Vector = tuple[float, ...]


class MultiObjectiveMixin:
    """For a `TrialScheduler` subclass: `multi_objective = True`, and `_score(result)` is the vector of the
    objectives, each oriented to be minimised (NaN stays NaN). One metric works too: the vector has one entry."""

    multi_objective = True
    metric: Any
    mode: Any

    @property
    def metrics(self) -> list[str]:
        return as_list(self.metric)

    @property
    def modes(self) -> list[str]:
        return as_list(self.mode)

    def has_objectives(self, result: dict[str, Any] | None) -> bool:
        return bool(result) and all(name in result for name in self.metrics)

    def _score(self, result: dict[str, Any]) -> Vector:  # type: ignore[override]
        missing = [name for name in self.metrics if name not in result]
        if missing:
            raise AsktellValueError(
                f"{type(self).__name__} uses metric={self.metric!r} but a result has only {sorted(result)}"
            )
        return tuple(float(result[name]) if mode == "min" else -float(result[name])
                     for name, mode in zip(self.metrics, self.modes))


def best_first(vectors: Sequence[Vector]) -> list[int]:
    """Indices of `vectors` (minimised objectives) best first: non-dominated rank, then crowding distance; rows
    with NaN last."""
    if not vectors:
        return []
    return rank_order(np.array(vectors, dtype=float)).tolist()


def in_top_share(earlier: Sequence[Vector], vector: Vector, reduction_factor: float) -> bool:
    """ASHA's test with ranks for scores: is `vector` among the best max(1, ⌊n/rf⌋) of `earlier` + it, in
    `best_first` order? A vector holding NaN is beaten by every other and takes no place among the earlier ones.
    Costs at most one non-dominated sort (none when enough vectors dominate it), plus crowding distances of its
    front only when they decide."""
    if _has_nan(vector):
        return False
    points = np.array([*earlier, vector], dtype=float).reshape(len(earlier) + 1, len(vector))
    points = points[~np.isnan(points).any(axis=1)]  # (the new vector, last, stays last)
    keep = max(1, math.floor(len(points) / reduction_factor))
    if len(points) <= keep:
        return True
    new = points[-1]
    dominators = np.count_nonzero((points <= new).all(axis=1) & (points < new).any(axis=1))
    if dominators >= keep:  # each of them ranks ahead of it: no sort needed
        return False
    ranks = non_dominated_ranks(points)
    ahead = int(np.count_nonzero(ranks < ranks[-1]))
    peers = np.flatnonzero(ranks == ranks[-1])  # its front, itself last
    if ahead >= keep or ahead + len(peers) <= keep:
        return ahead < keep
    crowding = crowding_distance(points[peers])
    # peers at least as crowded come first: ties go to the earlier trial, as in best_first
    return ahead + int(np.count_nonzero(crowding[:-1] >= crowding[-1])) < keep


def _has_nan(vector: Vector) -> bool:
    return any(math.isnan(x) for x in vector)
