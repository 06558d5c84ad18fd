"""`LibrarySearcher`: what the three adapters share — lazy import, metric/mode and seed handling, the space
conversion at experiment start, turning a library's values into a full config, the tell rules, save/restore.

Tell rules (the same for every adapter): a completed trial is told its metric value(s); a failed trial, or one
whose last result lacks the metric or holds NaN/inf, is told as failed and never as a value; a trial stopped by a
scheduler (`pruned=True`) is told as pruned where the library has that state (optuna) and with its last value
otherwise.
"""
from __future__ import annotations

import contextlib
import importlib
import logging
import math
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import cloudpickle
import numpy as np

from hpo_core.errors import AsktellTypeError, AsktellValueError
from hpo_core.objectives import as_list as _as_list
from hpo_core.objectives import check_modes, refuse_several
from hpo_core.searchers import Searcher
from hpo_core.space import Space

from ._space import Param, all_params, convert_space, encode_point, to_fixed


def require(module: str, extra: str, searcher: str) -> ModuleType:
    """Import a library, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{searcher} needs the `{module}` package, which is not installed: pip install \"asktell[{extra}]\""
        ) from exc


@contextlib.contextmanager
def _quiet_logger(name: str):
    """Keep a library's INFO chatter out of the run's output while its objects are built (warnings still show)."""
    log = logging.getLogger(name)
    level = log.level
    if log.getEffectiveLevel() < logging.WARNING:
        log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


def check_seed(seed: Any, name: str) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise AsktellValueError(f"`{name}` must be an int >= 0 or None, but got {seed!r}")
    return int(seed)


def check_points(points: Any, name: str = "points_to_evaluate") -> list[dict[str, Any]]:
    if points is None:
        return []
    if isinstance(points, dict) or not isinstance(points, Sequence) or not all(isinstance(p, dict) for p in points):
        raise AsktellTypeError(f"`{name}` must be a list of dicts, but got {points!r}")
    return [dict(p) for p in points]


class LibrarySearcher(Searcher):
    """Base of the library adapters. Subclasses set the class attributes and implement `_build`, `_ask`,
    `_tell` and `_tell_failed` (and `_report` if the library takes intermediate values).

    Library objects live in `self._lib` (a dict built on the first `suggest`, after the seed is known); it must
    pickle, because `save()` pickles it whole. `self._lib["live"]` maps trial ids to the library's handle.
    """

    model_based = True
    module = ""  # import name of the library
    extra = ""  # pip extra that installs it
    library = ""  # the library's name in messages
    allows_conditional = False
    allows_sample_from = False
    multi_objective = False

    def __init__(self, *, metric: Any = None, mode: Any = None, points_to_evaluate: Any = None,
                 seed: Any = None, seed_name: str = "seed"):
        super().__init__()
        require(self.module, self.extra, type(self).__name__)
        self.metric, self.mode = self._check_metric_mode(metric, mode)
        self._user_points = check_points(points_to_evaluate)
        self._seed = check_seed(seed, seed_name)
        self._own_seed = self._seed is not None
        self._params: list[Param] = []
        self._index: dict[str, Param] = {}  # path -> Param, over the whole tree
        self._points: list[dict[str, Any]] = []  # canonical values of points_to_evaluate
        self._lib: dict[str, Any] | None = None

    @property
    def lib(self) -> ModuleType:
        """The library module (looked up by name, so the searcher itself pickles)."""
        return sys.modules.get(self.module) or importlib.import_module(self.module)

    # --- set-up -------------------------------------------------------------------------------------------------
    def _check_metric_mode(self, metric: Any, mode: Any) -> tuple[Any, Any]:
        check_modes(mode)
        for one in _as_list(metric):
            if not isinstance(one, str) or not one:
                raise AsktellTypeError(f"`metric` must be a non-empty string (or a list of them), but got {metric!r}")
        if not self.multi_objective:
            refuse_several(self, metric, "searcher")
        if metric is not None and mode is not None and len(_as_list(metric)) != len(_as_list(mode)):
            raise AsktellValueError(f"`metric` and `mode` must have the same length, but got {metric!r} and {mode!r}")
        return metric, mode

    def set_search_properties(self, metric: Any, mode: Any, space: Space) -> None:
        """Metric/mode from the experiment unless given to the constructor; converts the space now, so a space the
        library cannot search fails at experiment start."""
        metric, mode = self._check_metric_mode(metric, mode)
        for name, given in (("metric", metric), ("mode", mode)):
            own = getattr(self, name)
            if own is not None and given is not None and _as_list(own) != _as_list(given):
                raise AsktellValueError(
                    f"{type(self).__name__} has {name}={own!r} but the experiment was given {name}={given!r}"
                )
            if own is None:
                setattr(self, name, given)
        if self.metric is None or self.mode is None:
            raise AsktellValueError(
                f"{type(self).__name__} needs `metric` and `mode` (give them to it or to run()/Experiment), "
                f"but got metric={self.metric!r}, mode={self.mode!r}"
            )
        self._check_metric_mode(self.metric, self.mode)
        self.space = space
        self._setup(space)

    def _setup(self, space: Space) -> None:
        self._params = convert_space(space, type(self).__name__, self.library,
                                     conditional=self.allows_conditional, sample_from=self.allows_sample_from)
        self._index = {p.path: p for p in all_params(self._params)}
        self._points = [encode_point(self._params, p, f"points_to_evaluate[{i}]")
                        for i, p in enumerate(self._user_points)]

    def set_rng(self, rng: np.random.Generator) -> None:
        """Fills sample_from values and, when no seed was given, seeds the library."""
        self.rng = rng
        if not self._own_seed:
            self._seed = int(rng.integers(2**31 - 1))

    @property
    def metrics(self) -> list[str]:
        return _as_list(self.metric)

    @property
    def modes(self) -> list[str]:
        return _as_list(self.mode)

    # --- ask/tell -----------------------------------------------------------------------------------------------
    def suggest(self, trial_id: str) -> dict[str, Any]:
        if self.space is None:
            raise AsktellValueError(f"{type(self).__name__}.suggest() before set_search_properties(): no space given")
        if not self._searches_anything():  # constants, sample_from and one-value domains only
            return self.space.sample(self.rng)
        if self._lib is None:
            if self._seed is None:
                self._seed = int(self.rng.integers(2**31 - 1))
            with _quiet_logger(self.module):  # e.g. optuna's "A new study created in memory" at INFO
                self._lib = self._build()
            self._lib.setdefault("live", {})
        canonical = self._ask(trial_id)
        return self.space.sample(self.rng, fixed=to_fixed(self._index, canonical))

    def on_trial_result(self, trial_id: str, result: dict[str, Any]) -> None:
        if self._lib is not None and trial_id in self._lib["live"]:
            self._report(trial_id, result)

    def on_trial_complete(self, trial_id: str, result: dict[str, Any] | None = None, error: bool = False,
                          pruned: bool = False) -> None:
        if self._lib is None:
            return
        values = None if error else self.values_of(result)
        failed = self._lib.setdefault("failed", {})
        if trial_id not in self._lib["live"]:
            if trial_id in failed and values is not None:  # a failed trial run again (resume="ERRORED") succeeded
                self._tell_rerun(trial_id, failed.pop(trial_id), values, pruned)
            return
        if values is None:
            self._tell_failed(trial_id)
            failed[trial_id] = self._lib["live"][trial_id]
        else:
            self._tell(trial_id, values, pruned)
        self._lib["live"].pop(trial_id, None)

    def values_of(self, result: dict[str, Any] | None) -> list[float] | None:
        """The metric values of a result, or None when one is missing or not a finite number."""
        if not result:
            return None
        values = []
        for name in self.metrics:
            value = result.get(name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
                return None
            if not math.isfinite(value):
                return None
            values.append(float(value))
        return values

    def signed(self, values: list[float], sign_for_min: float) -> float:
        """A single objective as the library wants it: `sign_for_min * value` for min, the opposite for max."""
        return sign_for_min * values[0] if self.modes[0] == "min" else -sign_for_min * values[0]

    def _searches_anything(self) -> bool:
        return bool(self._params)

    # --- hooks ----------------------------------------------------------------------------------------------------
    def _build(self) -> dict[str, Any]:
        raise NotImplementedError

    def _ask(self, trial_id: str) -> dict[str, Any]:
        """Canonical values of the active parameters for a new trial (records the trial in `_lib["live"]`)."""
        raise NotImplementedError

    def _report(self, trial_id: str, result: dict[str, Any]) -> None:
        """An intermediate result (only libraries with intermediate values use it)."""

    def _tell(self, trial_id: str, values: list[float], pruned: bool) -> None:
        raise NotImplementedError

    def _tell_failed(self, trial_id: str) -> None:
        raise NotImplementedError

    def _tell_rerun(self, trial_id: str, entry: Any, values: list[float], pruned: bool) -> None:
        """A trial told failed earlier finished when run again: by default its library entry is told again."""
        self._lib["live"][trial_id] = entry
        try:
            self._tell(trial_id, values, pruned)
        finally:
            self._lib["live"].pop(trial_id, None)

    # --- state ------------------------------------------------------------------------------------------------------
    def save(self) -> dict[str, Any]:
        """Seed, generator and the library's objects (pickled together, so their references stay shared)."""
        return {
            "metric": self.metric, "mode": self.mode, "seed": self._seed, "rng": self.rng,
            "lib": None if self._lib is None else cloudpickle.dumps(self._lib),
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.metric, self.mode, self._seed, self.rng = state["metric"], state["mode"], state["seed"], state["rng"]
        self._lib = None if state["lib"] is None else cloudpickle.loads(state["lib"])
