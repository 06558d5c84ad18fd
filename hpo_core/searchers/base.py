"""The searcher contract every search algorithm (random/grid, the library adapters) implements."""
from __future__ import annotations

import copy
import functools
import os
from typing import TYPE_CHECKING, Any

import cloudpickle
import numpy as np

from ..errors import AsktellValueError
from ..objectives import as_list, check_mode, check_modes, check_objectives, refuse_several, single_or_list

__all__ = ["FINISHED", "Searcher", "adopt_metric_mode", "check_mode"]

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


def adopt_metric_mode(owner: Any, metric: Any, mode: Any) -> None:
    """Fill `owner.metric`/`owner.mode` from the experiment where the constructor left them out; refuse a
    value that conflicts with the one the owner (a searcher or scheduler) was constructed with.

    An owner constructed with one metric that is among the experiment's several follows that one objective.
    """
    metrics, modes = check_objectives(metric, mode)
    own_metrics, own_modes = as_list(owner.metric), as_list(owner.mode)
    if len(own_metrics) == 1 and len(metrics) > 1 and own_metrics[0] in metrics:
        position = metrics.index(own_metrics[0])
        metrics, modes = [metrics[position]], modes[position:position + 1]
    for name, own, given in (("metric", own_metrics, metrics), ("mode", own_modes, modes)):
        if own and given and own != given:
            raise AsktellValueError(
                f"{type(owner).__name__} has {name}={getattr(owner, name)!r} but run()/Experiment got "
                f"{name}={single_or_list(given)!r}"
            )
        if not own:
            setattr(owner, name, single_or_list(given))


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
    multi_objective = False  # True: accepts several metrics (`metric=[...]`, `mode=[...]`)
    multi_fidelity = False

    def __init__(self, metric: str | list[str] | None = None, mode: str | list[str] | None = None):
        check_modes(mode)
        self.metric = metric
        self.mode = mode
        self.space: Space | None = None
        self.rng: np.random.Generator = np.random.default_rng()

    # --- set up by the experiment -------------------------------------------------------------------------
    def planned_trials(self, num_samples: int) -> int | None:
        """How many trials `num_samples` samples make with this searcher, when it decides that itself (None: the
        experiment's count, `num_samples` times the grid's size)."""
        return None

    def set_search_properties(self, metric: str | list[str] | None, mode: str | list[str] | None,
                              space: Space) -> None:
        """Fill metric/mode when the constructor left them out; refuse a conflict; take the search space."""
        adopt_metric_mode(self, metric, mode)
        if self.model_based and not self.multi_objective:
            refuse_several(self, self.metric, "searcher")
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
        """A picklable snapshot of the searcher's state (a deep copy: it does not change as the search goes on).
        `save(path)` (Ray Tune's form) also writes it to the file `path`."""
        return copy.deepcopy(self.__dict__)

    def restore(self, state: dict[str, Any]) -> None:
        """Take a state from `save()`; `restore(path)` (Ray Tune's form) reads it from the file `save(path)` wrote."""
        self.__dict__.update(copy.deepcopy(state))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Every subclass's own `save`/`restore` also takes Ray Tune's file path (see `_with_file`)."""
        super().__init_subclass__(**kwargs)
        for name in ("save", "restore"):
            if name in cls.__dict__ and not getattr(cls.__dict__[name], "takes_path", False):
                setattr(cls, name, _with_file(cls.__dict__[name], saving=name == "save"))


def _with_file(method: Any, *, saving: bool) -> Any:
    """`save(path=None)` that also pickles the state to `path`; `restore(state_or_path)` that loads a path first."""

    @functools.wraps(method)
    def wrapper(self: Searcher, *args: Any) -> Any:
        if saving:
            state = method(self)
            if args and args[0] is not None:
                with open(os.fspath(args[0]), "wb") as handle:
                    cloudpickle.dump(state, handle)
            return state
        state = args[0]
        if isinstance(state, (str, os.PathLike)):
            with open(os.fspath(state), "rb") as handle:
                state = cloudpickle.load(handle)
        return method(self, state)

    wrapper.takes_path = True  # type: ignore[attr-defined]
    return wrapper


Searcher.save = _with_file(Searcher.save, saving=True)  # the base class's own methods too
Searcher.restore = _with_file(Searcher.restore, saving=False)
