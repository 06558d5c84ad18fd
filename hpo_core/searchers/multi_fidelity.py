"""`MultiFidelitySearcher`: the base of the searchers that learn from every rung (BOHB, DEHB, MOBSTER).

It keeps, per rung of the experiment's `Fidelity`, the unit points (see `encoding.py`) of the trials that reached it
and the loss each had there (the metric oriented so that smaller is better; a trial's value at a rung is its first
result at or past the rung, as ASHA records it). Subclasses implement `_propose(rung)`: a unit point for a new trial
whose first rung is `rung`, or None for a random one. A `random_fraction` of the suggestions is random anyway.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import AsktellValueError
from ..space import Space
from .base import Searcher, _Finished
from .encoding import UnitEncoder
from .fidelity import Fidelity


def check_fraction(owner: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise AsktellValueError(f"{owner}: `{name}` must be a number in [0, 1], but got {value!r}")
    return float(value)


class MultiFidelitySearcher(Searcher):
    """Base class; see the module docstring.

    Args:
        metric, mode: as for every searcher (filled from the experiment when left out).
        time_attr, max_t, grace_period, reduction_factor: the rungs to learn at when the experiment's scheduler
            gives none (no scheduler, or one that is not multi-fidelity): grace_period·η^k up to max_t (default
            max_t: 20 rungs). A multi-fidelity scheduler's own rungs replace them.
        random_fraction: the share of suggestions drawn at random whatever the model says.
        seed: seeds the searcher's own generator; None uses the experiment's.
    """

    model_based = True
    multi_fidelity = True

    def __init__(self, metric: str | None = None, mode: str | None = None, *,
                 time_attr: str = "training_iteration", max_t: float | None = None, grace_period: float = 1,
                 reduction_factor: float = 3, random_fraction: float = 0.0, seed: int | None = None):
        super().__init__(metric=metric, mode=mode)
        name = type(self).__name__
        self.random_fraction = check_fraction(name, "random_fraction", random_fraction)
        top = max_t if max_t is not None else grace_period * reduction_factor ** 20
        try:
            self.fidelity = Fidelity.geometric(time_attr=time_attr, grace_period=grace_period, max_t=top,
                                               reduction_factor=reduction_factor)
        except (TypeError, AsktellValueError) as exc:
            raise AsktellValueError(f"{name}: {exc}") from None
        self._own_seed = seed is not None
        if self._own_seed:
            self.rng = np.random.default_rng(seed)
        self.encoder: UnitEncoder | None = None
        self.points: dict[str, np.ndarray] = {}  # trial_id -> its canonical unit point
        self.pending: dict[str, int] = {}  # running trials -> the rung they start at
        self.reached: dict[str, int] = {}  # trial_id -> highest rung recorded for it
        self._reset_rungs()

    def _reset_rungs(self) -> None:
        count = len(self.fidelity.rungs)
        self.rung_ids: list[list[str]] = [[] for _ in range(count)]
        self.rung_losses: list[list[float]] = [[] for _ in range(count)]

    # --- set-up -----------------------------------------------------------------------------------------------
    def set_rng(self, rng: np.random.Generator) -> None:
        if not self._own_seed:
            self.rng = rng

    def _setup(self, space: Space) -> None:
        if isinstance(self.metric, list):
            raise AsktellValueError(f"{type(self).__name__} optimises one metric, but got metric={self.metric!r}")
        self.encoder = UnitEncoder(space)

    def set_fidelity(self, fidelity: Fidelity) -> None:
        if any(self.rung_ids):
            raise AsktellValueError(f"{type(self).__name__}.set_fidelity() after results were told")
        self.fidelity = fidelity
        self._reset_rungs()

    # --- suggest ----------------------------------------------------------------------------------------------
    def suggest(self, trial_id: str) -> dict[str, Any] | None | _Finished:
        return self.suggest_at(trial_id, self.fidelity.rungs[0])

    def suggest_at(self, trial_id: str, level: float) -> dict[str, Any] | None | _Finished:
        if self.encoder is None:
            raise AsktellValueError(f"{type(self).__name__}.suggest() before set_search_properties(): no space given")
        rung = max(self.fidelity.rung_index(level), 0)
        point = None
        if self.encoder.dim and self.rng.random() >= self.random_fraction:
            point = self._propose(rung)
        point = self.encoder.random(self.rng)[0] if point is None else self.encoder.canonical(point)
        self.points[trial_id] = point
        self.pending[trial_id] = rung
        return self.encoder.config(point, self.rng)

    def _propose(self, rung: int) -> np.ndarray | None:
        """Hook: a unit point for a new trial that starts at rung index `rung`; None for a random one."""
        raise NotImplementedError

    # --- results ----------------------------------------------------------------------------------------------
    def on_trial_result(self, trial_id: str, result: dict[str, Any]) -> None:
        if trial_id not in self.points:
            return
        level, loss = result.get(self.fidelity.time_attr), self._loss(result)
        if level is None or loss is None:
            return
        rung = self.fidelity.rung_index(float(level))
        if rung > self.reached.get(trial_id, -1):
            self.reached[trial_id] = rung
            self.rung_ids[rung].append(trial_id)
            self.rung_losses[rung].append(loss)
            self._observed(trial_id, rung, loss)

    def on_trial_complete(self, trial_id: str, result: dict[str, Any] | None = None, error: bool = False,
                          pruned: bool = False) -> None:
        self.pending.pop(trial_id, None)
        if result and not error:
            self.on_trial_result(trial_id, result)

    def _observed(self, trial_id: str, rung: int, loss: float) -> None:
        """Hook: trial `trial_id` reached `rung` with `loss` (recorded already)."""

    def _loss(self, result: dict[str, Any]) -> float | None:
        value = result.get(self.metric)
        if value is None or isinstance(value, bool):
            return None
        try:
            value = float(value)
        except (TypeError, ValueError):
            return None
        if not math.isfinite(value):
            return None
        return value if self.mode == "min" else -value

    # --- views for the models ---------------------------------------------------------------------------------
    def observations(self, rung: int) -> tuple[np.ndarray, np.ndarray]:
        """(points, losses) recorded at rung index `rung`."""
        ids = self.rung_ids[rung]
        dim = self.encoder.dim if self.encoder is not None else 0
        points = np.array([self.points[t] for t in ids]).reshape(len(ids), dim)
        return points, np.array(self.rung_losses[rung], dtype=float)

    def largest_rung_with(self, count: int) -> int | None:
        """The highest rung index holding at least `count` observations (None if none does)."""
        for rung in reversed(range(len(self.rung_ids))):
            if len(self.rung_ids[rung]) >= count:
                return rung
        return None
