"""The searcher contract every search algorithm (random/grid, the library adapters) implements."""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import AsktellValueError

if TYPE_CHECKING:
    from ..space import Space
    from .fidelity import Fidelity


class _Finished:
    """Marker returned by `Searcher.suggest` when the searcher will never suggest again."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "FINISHED"

    def __reduce__(self):
        return (_Finished, ())


FINISHED = _Finished()

VALID_MODES = ("min", "max")


def check_mode(mode: Any, parameter: str = "mode") -> None:
    if mode is not None and mode not in VALID_MODES:
        raise AsktellValueError(f"`{parameter}` must be 'min' or 'max', but got {mode!r}")


def adopt_metric_mode(owner: Any, metric: Any, mode: Any) -> None:
    """Fill `owner.metric`/`owner.mode` from the experiment where the constructor left them out; refuse a
    value that conflicts with the one the owner (a searcher or scheduler) was constructed with."""
    check_mode(mode)
    for name, given in (("metric", metric), ("mode", mode)):
        own = getattr(owner, name)
        if own is not None and given is not None and own != given:
            raise AsktellValueError(
                f"{type(owner).__name__} has {name}={own!r} but run()/Experiment got {name}={given!r}"
            )
        if own is None:
            setattr(owner, name, given)


class Searcher:
    """Proposes configs. `suggest` returns a resolved config, None (nothing now) or `FINISHED`.

    Subclasses set `model_based = True` when their suggestions depend on the results told (PBT refuses those).
    Randomness comes only from the generator handed over in `set_rng` (or the searcher's own seed).

    Multi-fidelity searchers (`multi_fidelity = True`, see `searchers/multi_fidelity.py`) also hear, through
    `set_fidelity`, the resource attribute and rung levels of the experiment's scheduler, learn from every
    intermediate result told to `on_trial_result`, and answer `suggest_at(trial_id, level)` for a trial that the
    scheduler will first judge at resource `level` (its bracket's first rung). Every other searcher ignores both.
    """

    model_based = False
    multi_fidelity = False

    def __init__(self, metric: str | None = None, mode: str | None = None):
        check_mode(mode)
        self.metric = metric
        self.mode = mode
        self.space: Space | None = None
        self.rng: np.random.Generator = np.random.default_rng()

    # --- set up by the experiment -------------------------------------------------------------------------
    def set_search_properties(self, metric: str | None, mode: str | None, space: Space) -> None:
        """Fill metric/mode when the constructor left them out; refuse a conflict; take the search space."""
        adopt_metric_mode(self, metric, mode)
        self.space = space
        self._setup(space)

    def set_rng(self, rng: np.random.Generator) -> None:
        """The experiment's generator for this searcher (ignored by searchers constructed with their own seed)."""
        self.rng = rng

    def _setup(self, space: Space) -> None:
        """Hook: prepare for `space` (convert it for a library, expand grids, ...)."""

    def set_fidelity(self, fidelity: Fidelity) -> None:
        """Hook: the experiment's scheduler measures trials in `fidelity.time_attr` and compares them at
        `fidelity.rungs`. Called after `set_search_properties` when the scheduler is a multi-fidelity one."""

    # --- the ask/tell protocol ----------------------------------------------------------------------------
    def suggest(self, trial_id: str) -> dict[str, Any] | None | _Finished:
        raise NotImplementedError

    def suggest_at(self, trial_id: str, level: float) -> dict[str, Any] | None | _Finished:
        """A config for a trial the scheduler will first judge at resource `level` (the first rung of the bracket
        it goes to). Searchers that do not model fidelities answer as `suggest` does."""
        return self.suggest(trial_id)

    def on_trial_result(self, trial_id: str, result: dict[str, Any]) -> None:
        """An intermediate result of a trial this searcher suggested (every one, in the order they arrive)."""

    def on_trial_complete(
        self, trial_id: str, result: dict[str, Any] | None = None, error: bool = False, pruned: bool = False
    ) -> None:
        """The trial ended: `result` is its last result; `error` if it failed; `pruned` if a scheduler stopped it."""

    # --- state ----------------------------------------------------------------------------------------------
    def save(self) -> dict[str, Any]:
        """A picklable snapshot of the searcher's state (a deep copy: it does not change as the search goes on)."""
        return copy.deepcopy(self.__dict__)

    def restore(self, state: dict[str, Any]) -> None:
        self.__dict__.update(copy.deepcopy(state))
