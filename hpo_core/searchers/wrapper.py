"""`WrappingSearcher`: the base of searchers that wrap another (`ConcurrencyLimiter`, `Repeater`)."""
from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..errors import AsktellTypeError
from .base import Searcher


class WrappingSearcher(Searcher):
    """A searcher that wraps another: set-up, the generator and `model_based` go through to the inner one."""

    def __init__(self, searcher: Searcher):
        if not isinstance(searcher, Searcher):
            raise AsktellTypeError(f"`searcher` must be a Searcher, but got {searcher!r}")
        super().__init__(metric=searcher.metric, mode=searcher.mode)
        self.searcher = searcher

    @property
    def model_based(self) -> bool:  # type: ignore[override]
        return self.searcher.model_based

    def set_search_properties(self, metric: str | None, mode: str | None, space: Any) -> None:
        self.searcher.set_search_properties(metric, mode, space)
        self.metric, self.mode, self.space = self.searcher.metric, self.searcher.mode, space

    def set_rng(self, rng: np.random.Generator) -> None:
        self.searcher.set_rng(rng)

    def set_fidelity(self, fidelity: Any) -> None:
        self.searcher.set_fidelity(fidelity)

    def planned_trials(self, num_samples: int) -> int | None:
        return self.searcher.planned_trials(num_samples)

    def on_trial_result(self, trial_id: str, result: dict[str, Any]) -> None:
        self.searcher.on_trial_result(trial_id, result)

    def save(self) -> dict[str, Any]:
        own = {k: v for k, v in self.__dict__.items() if k not in ("searcher", "rng", "space")}
        return {"own": copy.deepcopy(own), "searcher": self.searcher.save()}

    def restore(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state["own"])
        self.searcher.restore(state["searcher"])
