"""`HyperOptSearch`: hyperopt's TPE, driven as `tpe.suggest(new_ids, domain, trials, seed)` on a `Trials` object
the adapter keeps to itself (pending trials stay in it as NEW documents while they run).

| asktell primitive                    | hyperopt expression (label = parameter path, e.g. "model/0/lr")             |
|--------------------------------------|------------------------------------------------------------------------------|
| `uniform(a, b)`                      | `hp.uniform(a, b)`                                                            |
| `quniform(a, b, q)`                  | `hp.quniform(lo, hi, q)` (lo, hi: first/last multiple of q inside [a, b])     |
| `loguniform(a, b)`                   | `hp.loguniform(ln a, ln b)`                                                   |
| `qloguniform(a, b, q)`               | `hp.qloguniform(ln lo, ln hi, q)`, clipped to [lo, hi]                        |
| `randint(a, b)` (b excluded)         | `hp.quniform(a - 1/2, b - 1/2, 1)` as int (every integer gets an equal share)  |
| `qrandint(a, b, q)` (b included)     | `hp.quniform(lo - q/2, hi + q/2, q)` as int                                   |
| `lograndint(a, b)`, `qlograndint`    | `hp.qloguniform(ln lo, ln hi, q)` as int, clipped                            |
| `randn(m, s)` / `qrandn(m, s, q)`    | `hp.normal(m, s)` / `hp.qnormal(m, s, q)`                                     |
| `choice([...])`                      | `hp.choice([0, 1, ...])`: the category *index*                                |
| `choice` over dicts with domains     | nested `hp.choice` whose options hold the branch's expressions                |
| `sample_from(fn)`, `grid_search`     | refused at experiment start (the message says what to use instead)           |

hyperopt minimises: for `mode="max"` the loss is `-value`. Failed or NaN trials are marked failed (TPE ignores
them); hyperopt has no pruned state, so a trial a scheduler stopped counts with its last value.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from hpo_core.errors import AsktellTypeError, AsktellValueError

from ._base import LibrarySearcher
from ._native import NativeSpace
from ._space import Param, ParamKind, all_params, complete_point

__all__ = ["HyperOptSearch"]


def _no_objective(config: Any) -> float:
    """The Domain's function: never called, trials are evaluated by asktell."""
    return 0.0


class HyperOptSearch(NativeSpace, LibrarySearcher):
    """hyperopt TPE. `space` may be hyperopt's own (a dict of `hp.*` expressions; the config is
    `hyperopt.space_eval` of what TPE draws) instead of the run's config. `n_initial_points` random trials (points_to_evaluate included) before TPE models;
    `random_state_seed` seeds it (None: derived from the experiment seed); `gamma` is TPE's quantile."""

    module = "hyperopt"
    extra = "hyperopt"
    library = "hyperopt"
    allows_conditional = True

    def __init__(
        self,
        space: dict[str, Any] | None = None,
        *,
        metric: str | None = None,
        mode: str | None = None,
        points_to_evaluate: Sequence[dict[str, Any]] | None = None,
        n_initial_points: int = 20,
        random_state_seed: int | None = None,
        gamma: float = 0.25,
    ):
        super().__init__(metric=metric, mode=mode, points_to_evaluate=points_to_evaluate, seed=random_state_seed,
                         seed_name="random_state_seed")
        if isinstance(n_initial_points, bool) or not isinstance(n_initial_points, int) or n_initial_points < 0:
            raise AsktellValueError(f"`n_initial_points` must be an int >= 0, but got {n_initial_points!r}")
        if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not 0 < gamma < 1:
            raise AsktellValueError(f"`gamma` must be a number in (0, 1), but got {gamma!r}")
        self.n_initial_points = n_initial_points
        self.gamma = float(gamma)
        self._domain: Any = None
        if space is not None:
            if not isinstance(space, dict):
                raise AsktellTypeError(f"`space` must be a dict of hyperopt expressions, but got {space!r}")
            if self._user_points:
                raise AsktellValueError("`points_to_evaluate` with hyperopt's own `space` is not supported; give the "
                                        "space as asktell domains in the run's config to use both")
        self.native_space = space

    # --- library objects ----------------------------------------------------------------------------------------
    def _expression(self, param: Param) -> Any:
        hp = self.lib.hp
        path, low, high = param.path, param.low, param.high
        if param.kind is ParamKind.CHOICE:
            if not param.conditional:
                return hp.choice(path, list(range(param.size)))
            options = [{p.path: self._expression(p) for p in branch} or i for i, branch in enumerate(param.branches)]
            return hp.choice(path, options)
        if param.kind is ParamKind.NORMAL:
            mean, sd, q = param.domain.mean, param.domain.sd, param.step
            return hp.normal(path, mean, sd) if q is None else hp.qnormal(path, mean, sd, q)
        if param.kind is ParamKind.INT:
            step = param.step
            if param.log:
                return hp.qloguniform(path, math.log(low), math.log(high), step)
            return hp.quniform(path, low - step / 2, high + step / 2, step)
        if low == high:
            return hp.uniform(path, low, high)
        if param.log:
            if param.step is None:
                return hp.loguniform(path, math.log(low), math.log(high))
            return hp.qloguniform(path, math.log(low), math.log(high), param.step)
        return hp.uniform(path, low, high) if param.step is None else hp.quniform(path, low, high, param.step)

    def _setup(self, space) -> None:
        super()._setup(space)
        expressions = self.native_space if self.asks_natively else {p.path: self._expression(p) for p in self._params}
        self._domain = self.lib.base.Domain(_no_objective, expressions)

    def _build(self) -> dict[str, Any]:
        points = [complete_point(self._params, p, self.rng) for p in self._points]
        return {"trials": self.lib.Trials(), "rng": np.random.default_rng(self._seed), "points": points}

    def _point_doc(self, tid: int, canonical: dict[str, Any]) -> list[dict[str, Any]]:
        """A NEW trial document holding a given point (inactive labels get empty lists, as hyperopt writes them)."""
        labels = [p.path for p in all_params(self._params)]
        misc = {
            "tid": tid, "cmd": self._domain.cmd, "workdir": self._domain.workdir,
            "idxs": {label: [tid] if label in canonical else [] for label in labels},
            "vals": {label: [canonical[label]] if label in canonical else [] for label in labels},
        }
        return self._lib["trials"].new_trial_docs([tid], [None], [self._domain.new_result()], [misc])

    # --- ask/tell ---------------------------------------------------------------------------------------------
    def _ask(self, trial_id: str) -> dict[str, Any]:
        doc = self._new_doc(trial_id)
        kinds = {p.path: p.kind for p in all_params(self._params)}
        return {
            label: int(values[0]) if kinds[label] is ParamKind.CHOICE else float(values[0])
            for label, values in doc["misc"]["vals"].items() if values
        }

    def _ask_native(self, trial_id: str) -> dict[str, Any]:
        doc = self._new_doc(trial_id)
        drawn = {label: values[0] for label, values in doc["misc"]["vals"].items() if values}
        return self.lib.space_eval(self.native_space, drawn)

    def _new_doc(self, trial_id: str) -> dict[str, Any]:
        """A new trial document (a point to evaluate, or TPE's draw), recorded as the trial's."""
        trials = self._lib["trials"]
        tid = trials.new_trial_ids(1)
        if self._lib["points"]:
            docs = self._point_doc(tid[0], self._lib["points"].pop(0))
        else:
            seed = int(self._lib["rng"].integers(2**31 - 1))
            docs = self.lib.tpe.suggest(tid, self._domain, trials, seed, n_startup_jobs=self.n_initial_points,
                                        gamma=self.gamma, verbose=False)
        trials.insert_trial_docs(docs)
        trials.refresh()
        doc = trials.trials[-1]
        self._lib["live"][trial_id] = doc
        return doc

    def _finish(self, trial_id: str, result: dict[str, Any], state: int) -> None:
        doc = self._lib["live"][trial_id]
        doc["result"] = result
        doc["state"] = state
        self._lib["trials"].refresh()

    def _tell(self, trial_id: str, values: list[float], pruned: bool) -> None:
        self._finish(trial_id, {"status": self.lib.STATUS_OK, "loss": self.signed(values, 1.0)},
                     self.lib.JOB_STATE_DONE)

    def _tell_failed(self, trial_id: str) -> None:
        self._finish(trial_id, {"status": self.lib.STATUS_FAIL}, self.lib.JOB_STATE_DONE)

    @property
    def trials(self) -> Any:
        """hyperopt's `Trials` (None before the first suggestion)."""
        return None if self._lib is None else self._lib["trials"]
