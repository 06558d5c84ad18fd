"""Pareto machinery (hpo_core.pareto) against brute force on random point sets, and the objectives checks."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from hpo_core.errors import AsktellValueError
from hpo_core.pareto import (
    crowding_distance,
    dominates,
    hypervolume,
    non_dominated_ranks,
    pareto_mask,
    rank_order,
    to_minimise,
)


def brute_ranks(points: np.ndarray) -> list[int]:
    """Peel fronts by the definition: a front is the rows no remaining row dominates."""
    rows = [tuple(row) for row in points.tolist()]
    left, ranks, rank = set(range(len(rows))), [0] * len(rows), 0
    while left:
        front = {i for i in left if not any(_dominates(rows[j], rows[i]) for j in left if j != i)}
        for i in front:
            ranks[i] = rank
        left -= front
        rank += 1
    return ranks


def _dominates(a: tuple, b: tuple) -> bool:
    return all(x <= y for x, y in zip(a, b)) and a != b


def brute_hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """Inclusion-exclusion over every subset: the union of the boxes [p, reference]."""
    boxes = [p for p in points if (p < reference).all()]
    total = 0.0
    for size in range(1, len(boxes) + 1):
        for subset in itertools.combinations(boxes, size):
            corner = np.max(subset, axis=0)
            total += (-1) ** (size + 1) * float(np.prod(reference - corner))
    return total


# small integer grids make ties and duplicate points common, which is where sorting code goes wrong
def point_sets(m: int, max_rows: int):
    return st.integers(0, max_rows).flatmap(
        lambda n: arrays(np.float64, (n, m), elements=st.integers(0, 6).map(float)))


@settings(max_examples=100, deadline=None)
@given(point_sets(2, 30))
def test_ranks_in_two_objectives_match_brute_force(points):
    assert non_dominated_ranks(points).tolist() == brute_ranks(points)


@settings(max_examples=80, deadline=None)
@given(st.integers(3, 4).flatmap(lambda m: point_sets(m, 25)))
def test_ranks_in_three_and_four_objectives_match_brute_force(points):
    assert non_dominated_ranks(points).tolist() == brute_ranks(points)


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 3).flatmap(lambda m: point_sets(m, 9)))
def test_hypervolume_matches_inclusion_exclusion(points):
    reference = np.full(points.shape[1], 7.0)
    assert hypervolume(points, reference) == pytest.approx(brute_hypervolume(points, reference), abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, (9, 3), elements=st.floats(0, 1)))
def test_hypervolume_of_real_points_matches_inclusion_exclusion(points):
    reference = np.array([1.1, 1.2, 1.3])
    assert hypervolume(points, reference) == pytest.approx(brute_hypervolume(points, reference), rel=1e-9)


def test_hypervolume_by_hand_and_monte_carlo():
    front = np.array([[1.0, 4.0], [2.0, 2.0], [4.0, 1.0]])
    assert hypervolume(front, [5.0, 5.0]) == 1 * 1 + 2 * 3 + 1 * 4  # the staircase, column by column
    rng = np.random.default_rng(0)
    cloud = rng.random((30, 3))
    samples = rng.random((200_000, 3))
    covered = (cloud[None, :, :] <= samples[:, None, :]).all(axis=2).any(axis=1).mean()
    assert hypervolume(cloud, [1.0, 1.0, 1.0]) == pytest.approx(covered, abs=0.01)


def test_points_beyond_the_reference_or_nan_add_no_volume():
    assert hypervolume([[6.0, 1.0], [np.nan, 0.0]], [5.0, 5.0]) == 0.0
    assert hypervolume(np.zeros((0, 2)), [1.0, 1.0]) == 0.0
    with pytest.raises(AsktellValueError, match="`reference` has 3 objectives"):
        hypervolume([[1.0, 1.0]], [2.0, 2.0, 2.0])


def test_nan_rows_rank_last_and_are_off_the_front():
    points = np.array([[1.0, 1.0], [np.nan, 0.0], [2.0, 2.0]])
    assert non_dominated_ranks(points).tolist() == [0, 2, 1]
    assert pareto_mask(points).tolist() == [True, False, False]


def test_crowding_distance_and_rank_order():
    front = np.array([[0.0, 4.0], [1.0, 3.0], [3.0, 1.0], [4.0, 0.0], [3.5, 0.6]])
    assert dominates([0.0, 4.0], [1.0, 4.0]) and not dominates([0.0, 4.0], [0.0, 4.0])
    distance = crowding_distance(front)
    assert np.isinf(distance[[0, 3]]).all()
    assert distance[1] == pytest.approx((3 - 0) / 4 + (4 - 1) / 4)  # neighbours (0, 4) and (3, 1)
    assert distance[1] > distance[2] > distance[4]
    points = np.vstack([front, [[5.0, 5.0]]])
    assert rank_order(points).tolist()[:2] == [0, 3] and rank_order(points)[-1] == 5


def test_to_minimise_flips_max_columns_and_checks_modes():
    assert to_minimise([[1.0, 2.0]], ["min", "max"]).tolist() == [[1.0, -2.0]]
    with pytest.raises(AsktellValueError, match="2 objectives but 1 modes"):
        to_minimise([[1.0, 2.0]], ["min"])
    with pytest.raises(AsktellValueError, match="'low'"):
        to_minimise([[1.0]], ["low"])
