"""Pareto machinery on numpy arrays: dominance, non-dominated sorting, crowding distance, hypervolume.

Points are the rows of an (n, m) array of objective values, **all minimised**; `to_minimise(values, modes)` flips
the "max" columns first. A row holding NaN is on no front: it ranks after every finite row and adds no volume.

Example:
    >>> import numpy as np
    >>> points = np.array([[1.0, 4.0], [2.0, 2.0], [3.0, 3.0], [4.0, 1.0]])
    >>> non_dominated_ranks(points).tolist()
    [0, 0, 1, 0]
    >>> hypervolume(points, reference=[5.0, 5.0])
    11.0
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import AsktellValueError
from .objectives import check_modes

__all__ = [
    "crowding_distance", "dominates", "hypervolume", "non_dominated_ranks", "pareto_mask", "rank_order",
    "to_minimise",
]


def to_minimise(values: Any, modes: Sequence[str]) -> np.ndarray:
    """`values` as a float (n, m) array with the columns whose mode is "max" negated."""
    array = np.array(values, dtype=float, ndmin=2)
    check_modes(list(modes))
    if array.shape[1] != len(modes):
        raise AsktellValueError(f"points have {array.shape[1]} objectives but {len(modes)} modes were given: {modes!r}")
    signs = np.array([-1.0 if mode == "max" else 1.0 for mode in modes])
    return array * signs


def dominates(a: Any, b: Any) -> bool:
    """True when `a` is no worse than `b` in every objective and better in one (minimising)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all(a <= b) and np.any(a < b))


def non_dominated_ranks(points: Any) -> np.ndarray:
    """The front index of every row: 0 for the non-dominated rows, 1 for those dominated only by front 0, ...
    Rows with NaN get the rank after the last finite front."""
    points = _as_points(points)
    finite = ~np.isnan(points).any(axis=1)
    ranks = np.zeros(len(points), dtype=int)
    if finite.any():
        clean = points[finite]
        ranks[finite] = _ranks_2d(clean) if clean.shape[1] == 2 else _ranks_nd(clean)
        ranks[~finite] = ranks[finite].max() + 1
    return ranks


def pareto_mask(points: Any) -> np.ndarray:
    """True for the rows on the first (non-dominated) front."""
    points = _as_points(points)
    if len(points) == 0:
        return np.zeros(0, dtype=bool)
    return (non_dominated_ranks(points) == 0) & ~np.isnan(points).any(axis=1)


def crowding_distance(points: Any) -> np.ndarray:
    """NSGA-II's crowding distance of each row within its set (the rows of one front): the sum over objectives of
    the gap between its neighbours, scaled by the objective's range; the extreme rows get infinity."""
    points = _as_points(points)
    n, m = points.shape
    distance = np.zeros(n)
    if n <= 2:
        distance[:] = np.inf
        return distance
    for k in range(m):
        order = np.argsort(points[:, k], kind="stable")
        column = points[order, k]
        span = column[-1] - column[0]
        distance[order[0]] = distance[order[-1]] = np.inf
        if span > 0:
            distance[order[1:-1]] += (column[2:] - column[:-2]) / span
    return distance


def rank_order(points: Any) -> np.ndarray:
    """Row indices best first: by non-dominated rank, then by crowding distance within the front (larger first),
    then by index. The order NSGA-II selects in, and the one MO-ASHA promotes in."""
    points = _as_points(points)
    ranks = non_dominated_ranks(points)
    crowding = np.zeros(len(points))
    for rank in np.unique(ranks):
        members = np.flatnonzero(ranks == rank)
        if not np.isnan(points[members]).any():
            crowding[members] = crowding_distance(points[members])
    return np.lexsort((np.arange(len(points)), -crowding, ranks))


def hypervolume(points: Any, reference: Any) -> float:
    """The volume dominated by `points` and bounded by the `reference` point (minimising): exact, by sweeping the
    last objective and summing slices of the lower-dimensional volume (O(n log n) in 2-D, O(n² log n) in 3-D).
    Rows that do not strictly dominate the reference, or hold NaN, add nothing."""
    points = _as_points(points)
    reference = np.asarray(reference, dtype=float).reshape(-1)
    if points.shape[1] != reference.size and len(points):
        raise AsktellValueError(
            f"`reference` has {reference.size} objectives but the points have {points.shape[1]}: {reference!r}"
        )
    if len(points):
        points = points[~np.isnan(points).any(axis=1)]
        points = points[(points < reference).all(axis=1)]
    if len(points) == 0:
        return 0.0
    points = points[pareto_mask(points)]
    return float(_volume(points, reference))


# --- internals ------------------------------------------------------------------------------------------------
def _as_points(points: Any) -> np.ndarray:
    array = np.asarray(points, dtype=float)
    if array.size == 0:
        return array.reshape(0, array.shape[-1] if array.ndim == 2 else 0)
    if array.ndim != 2:
        raise AsktellValueError(f"points must be a 2-D array (rows of objective values), but got shape {array.shape}")
    return array


def _ranks_2d(points: np.ndarray) -> np.ndarray:
    """Ranks in O(n log n): sweep by the first objective; each front keeps the smallest second objective it holds,
    and a point joins the first front whose smallest one does not dominate it (fronts' minima rise with rank)."""
    order = np.lexsort((points[:, 1], points[:, 0])).tolist()
    xs, ys = points[:, 0].tolist(), points[:, 1].tolist()  # Python floats: numpy scalars are slow in a loop
    ranks = [0] * len(order)
    minima: list[float] = []  # per front, its smallest second objective so far (ascending with the front index)
    firsts: list[float] = []  # per front, the first objective of the point that holds that minimum
    for index in order:
        x, y = xs[index], ys[index]
        rank = bisect.bisect_right(minima, y)  # fronts whose minimum <= y may dominate the point
        # the front just before holds a point with second objective == y: it dominates only if x is larger
        while rank > 0 and minima[rank - 1] == y and firsts[rank - 1] == x:
            rank -= 1  # an identical point: it does not dominate, so this one may join its front
        if rank == len(minima):
            minima.append(y)
            firsts.append(x)
        elif y < minima[rank]:  # (the sweep meets x in ascending order: a tie in y keeps the earlier holder)
            minima[rank], firsts[rank] = y, x
        ranks[index] = rank
    return np.array(ranks, dtype=int)


def _ranks_nd(points: np.ndarray) -> np.ndarray:
    """Ranks by peeling fronts off the dominance matrix (O(n² m) memory and time)."""
    no_worse = (points[:, None, :] <= points[None, :, :]).all(axis=2)
    better = (points[:, None, :] < points[None, :, :]).any(axis=2)
    dominance = no_worse & better  # [i, j]: i dominates j
    dominated_by = dominance.sum(axis=0)
    ranks = np.full(len(points), -1)
    rank = 0
    current = np.flatnonzero(dominated_by == 0)
    while current.size:
        ranks[current] = rank
        dominated_by = dominated_by - dominance[current].sum(axis=0)
        dominated_by[ranks >= 0] = -1
        current = np.flatnonzero(dominated_by == 0)
        rank += 1
    return ranks


def _volume(points: np.ndarray, reference: np.ndarray) -> float:
    """Hypervolume of mutually non-dominated points that all strictly dominate `reference`."""
    if points.shape[1] == 1:
        return float(reference[0] - points[:, 0].min())
    if points.shape[1] == 2:
        order = np.argsort(points[:, 0], kind="stable")
        xs, ys = points[order, 0], points[order, 1]  # on a 2-D front, y falls as x rises
        widths = np.append(xs[1:], reference[0]) - xs
        return float(np.sum(widths * (reference[1] - ys)))
    last = points[:, -1]
    levels = np.unique(last)
    total = 0.0
    for low, high in zip(levels, np.append(levels[1:], reference[-1])):
        below = points[last <= low, :-1]
        slab = below[pareto_mask(below)]
        total += _volume(slab, reference[:-1]) * (high - low)
    return total
