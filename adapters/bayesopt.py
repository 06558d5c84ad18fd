"""`BayesOptSearch`: Gaussian-process optimisation with bayesian-optimization 3.x (`suggest()` / `register()`,
acquisition functions from `bayes_opt.acquisition`), using its typed integer and categorical parameters.

| asktell primitive                    | bayes_opt parameter (name = parameter path)                                  |
|--------------------------------------|-------------------------------------------------------------------------------|
| `uniform(a, b)`                      | float `(a, b)`                                                                |
| `quniform(a, b, q)`                  | float `(lo, hi)` (first/last multiple of q), rounded to q                      |
| `loguniform(a, b)`, `qloguniform`    | float `(ln lo, ln hi)`: the GP works on the log scale; value `exp(x)` (rounded) |
| `randint(a, b)` (b excluded)         | int `(a, b - 1)`                                                              |
| `qrandint(a, b, q)` (b included)     | int `(0, n - 1)`: the index k of the value `lo + k q`                          |
| `lograndint(a, b)`, `qlograndint`    | float `(ln lo, ln hi)`, value rounded to the integer (multiple of q)          |
| `randn(m, s)` / `qrandn(m, s, q)`    | float `(0, 1)` = u, value = normal quantile of u (rounded to q)               |
| `choice([...])`                      | categorical over the category *indices* (one category: not searched)          |
| `choice` over sub-spaces             | refused at experiment start: use OptunaSearch or HyperOptSearch               |
| `sample_from(fn)`, `grid_search`     | refused at experiment start (the message says what to use instead)           |

bayes_opt only maximises: for `mode="min"` the target is `-value`. The first `random_search_steps` suggestions
(after `points_to_evaluate`) are random. While trials are pending, a constant liar keeps parallel suggestions
apart: the GP is fitted to the finished trials plus every pending point at the worst target seen so far.
Failed or NaN trials are not registered; a trial a scheduler stopped is registered with its last value.
"""
from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from hpo_core.errors import AsktellTypeError, AsktellValueError
from hpo_core.space import uniform

from ._base import LibrarySearcher
from ._native import NativeSpace
from ._space import Param, ParamKind, complete_point

__all__ = ["BayesOptSearch"]

_UTILITY_KEYS = {"kind", "kappa", "xi", "kappa_decay", "kappa_decay_delay"}


class BayesOptSearch(NativeSpace, LibrarySearcher):
    """bayes_opt's GP. `space` may be bayes_opt's own bounds (`{"x": (0, 1)}`, searched as `uniform`) instead of
    the run's config. `utility_kwargs` as in Ray Tune (`{"kind": "ucb" | "ei" | "poi", "kappa": 2.576,
    "xi": 0.0, "kappa_decay": ..., "kappa_decay_delay": ...}`), or a ready `acquisition_function` from
    `bayes_opt.acquisition`; `random_state` seeds it (None: derived from the experiment seed); `gp_params` go to
    `BayesianOptimization.set_gp_params` (e.g. `{"n_restarts_optimizer": 0}` for cheaper asks)."""

    module = "bayes_opt"
    extra = "bayesopt"
    library = "bayesian-optimization"

    def __init__(
        self,
        space: dict[str, Any] | None = None,
        *,
        metric: str | None = None,
        mode: str | None = None,
        points_to_evaluate: Sequence[dict[str, Any]] | None = None,
        utility_kwargs: dict[str, Any] | None = None,
        acquisition_function: Any = None,
        random_state: int | None = None,
        random_search_steps: int = 10,
        gp_params: dict[str, Any] | None = None,
    ):
        super().__init__(metric=metric, mode=mode, points_to_evaluate=points_to_evaluate, seed=random_state,
                         seed_name="random_state")
        if isinstance(random_search_steps, bool) or not isinstance(random_search_steps, int) \
                or random_search_steps < 0:
            raise AsktellValueError(f"`random_search_steps` must be an int >= 0, but got {random_search_steps!r}")
        if utility_kwargs is not None and acquisition_function is not None:
            raise AsktellValueError("give `utility_kwargs` or `acquisition_function`, not both")
        if acquisition_function is not None and not isinstance(
                acquisition_function, self.lib.acquisition.AcquisitionFunction):
            raise AsktellTypeError(
                f"`acquisition_function` must be a bayes_opt.acquisition.AcquisitionFunction, but got "
                f"{acquisition_function!r}"
            )
        self.utility_kwargs = dict(utility_kwargs or {})
        self.acquisition_function = acquisition_function
        self.random_search_steps = random_search_steps
        if gp_params is not None and not isinstance(gp_params, dict):
            raise AsktellTypeError(f"`gp_params` must be a dict, but got {gp_params!r}")
        self.gp_params = dict(gp_params or {})
        self._acquisition()  # refuse bad utility_kwargs now
        self._pbounds: dict[str, Any] = {}
        self.native_space = self._check_bounds(space)

    @staticmethod
    def _check_bounds(space: Any) -> dict[str, tuple[float, float]] | None:
        if space is None:
            return None
        if not isinstance(space, dict) or not all(
                isinstance(b, (tuple, list)) and len(b) == 2 and all(isinstance(v, (int, float)) for v in b)
                for b in space.values()):
            raise AsktellTypeError(f"`space` must be bayes_opt bounds like {{'x': (0, 1)}}, but got {space!r}")
        return {key: (float(low), float(high)) for key, (low, high) in space.items()}

    def _space_from_native(self) -> dict[str, Any]:
        return {key: uniform(low, high) for key, (low, high) in self.native_space.items()}

    def _acquisition(self) -> Any:
        if self.acquisition_function is not None:
            return self.acquisition_function
        kwargs = self.utility_kwargs
        unknown = set(kwargs) - _UTILITY_KEYS
        if unknown:
            raise AsktellValueError(f"`utility_kwargs` has unknown keys {sorted(unknown)}; known: {sorted(_UTILITY_KEYS)}")
        acq, kind = self.lib.acquisition, kwargs.get("kind", "ucb")
        decay = {"exploration_decay": kwargs.get("kappa_decay"),
                 "exploration_decay_delay": kwargs.get("kappa_decay_delay")}
        try:
            if kind == "ucb":
                return acq.UpperConfidenceBound(kappa=kwargs.get("kappa", 2.576), **decay)
            if kind == "ei":
                return acq.ExpectedImprovement(xi=kwargs.get("xi", 0.0), **decay)
            if kind == "poi":
                return acq.ProbabilityOfImprovement(xi=kwargs.get("xi", 0.0), **decay)
        except (ValueError, TypeError) as exc:
            raise AsktellValueError(f"`utility_kwargs`={kwargs!r}: {exc}") from None
        raise AsktellValueError(f"`utility_kwargs['kind']` must be 'ucb', 'ei' or 'poi', but got {kind!r}")

    # --- conversion ---------------------------------------------------------------------------------------------
    def _bound(self, param: Param) -> Any:
        """bayes_opt's bounds for one parameter, or None when it has a single value (not searched)."""
        parameter = self.lib.parameter
        if param.kind is ParamKind.CHOICE:  # a BayesParameter: a plain [0, 1] would read as float bounds
            return parameter.CategoricalParameter(param.path, list(range(param.size))) if param.size > 1 else None
        if param.kind is ParamKind.NORMAL:
            return (0.0, 1.0)
        if param.low == param.high:
            return None
        if param.log:
            return (math.log(param.low), math.log(param.high))
        if param.kind is ParamKind.INT:
            return parameter.IntParameter(param.path, (0, int((param.high - param.low) // param.step)))
        return (param.low, param.high)

    def _to_lib(self, param: Param, canonical: Any) -> Any:
        if param.kind is ParamKind.NORMAL:
            return param.domain.to_unit(canonical)
        if param.log and param.kind is not ParamKind.CHOICE:
            return math.log(canonical)
        if param.kind is ParamKind.INT:
            return round((canonical - param.low) / param.step)
        return canonical

    def _from_lib(self, param: Param, value: Any) -> Any:
        if param.path not in self._pbounds:
            return 0 if param.kind is ParamKind.CHOICE else param.low
        if param.kind is ParamKind.NORMAL:
            return param.domain.from_unit(float(value))
        if param.kind is ParamKind.CHOICE:
            return int(value)
        if param.log:
            return math.exp(float(value))
        if param.kind is ParamKind.INT:
            return param.low + int(value) * param.step
        return float(value)

    def _setup(self, space) -> None:
        super()._setup(space)
        bounds = {p.path: self._bound(p) for p in self._params}
        self._pbounds = {path: b for path, b in bounds.items() if b is not None}

    def _searches_anything(self) -> bool:
        return bool(self._pbounds)

    def _optimizer(self, acquisition: Any, random_state: np.random.RandomState) -> Any:
        with warnings.catch_warnings():  # typed parameters are "experimental" in 3.x
            warnings.simplefilter("ignore")
            optimizer = self.lib.BayesianOptimization(
                f=None, pbounds=self._pbounds, acquisition_function=acquisition, random_state=random_state,
                verbose=0, allow_duplicate_points=True,
            )
        if self.gp_params:
            try:
                optimizer.set_gp_params(**self.gp_params)
            except ValueError as exc:
                raise AsktellValueError(f"`gp_params`={self.gp_params!r}: {exc}") from None
        return optimizer

    def _build(self) -> dict[str, Any]:
        random_state = np.random.RandomState(self._seed)
        points = [complete_point(self._params, p, self.rng) for p in self._points]
        return {"opt": self._optimizer(self._acquisition(), random_state), "random_state": random_state,
                "points": points, "random_asked": 0}

    # --- ask/tell ---------------------------------------------------------------------------------------------
    def _ask(self, trial_id: str) -> dict[str, Any]:
        lib, opt = self._lib, self._lib["opt"]
        if lib["points"]:
            canonical = lib["points"].pop(0)
            params = {p.path: self._to_lib(p, canonical[p.path]) for p in self._params if p.path in self._pbounds}
        elif lib["random_asked"] < self.random_search_steps or len(opt.space) == 0:
            lib["random_asked"] += 1
            params = opt.random_sample(1)[0]
        elif lib["live"]:  # trials still running: keep away from them
            params = self._suggest_with_liar()
        else:
            params = opt.suggest()
        lib["live"][trial_id] = params
        return {p.path: self._from_lib(p, params.get(p.path)) for p in self._params}

    def _suggest_with_liar(self) -> dict[str, Any]:
        """A suggestion from a GP that also sees every pending point at the worst target so far."""
        opt = self._lib["opt"]
        liar = self._optimizer(opt.acquisition_function, self._lib["random_state"])
        for row in opt.res:
            liar.register(row["params"], row["target"])
        lie = float(np.min(opt.space.target))
        for params in self._lib["live"].values():
            liar.register(params, lie)
        return liar.suggest()

    def _tell(self, trial_id: str, values: list[float], pruned: bool) -> None:
        self._lib["opt"].register(self._lib["live"][trial_id], self.signed(values, -1.0))

    def _tell_failed(self, trial_id: str) -> None:
        """Not registered: the trial leaves the pending set (done by the caller) and nothing else."""

    @property
    def optimizer(self) -> Any:
        """bayes_opt's `BayesianOptimization` (None before the first suggestion)."""
        return None if self._lib is None else self._lib["opt"]
