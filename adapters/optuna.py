"""`OptunaSearch`: optuna's samplers (TPE by default; GP, CMA-ES, NSGA-II, ... any `BaseSampler`) through
`Study.ask` / `Study.tell`, with the search space asked define-by-run, so choices over sub-spaces work.

| asktell primitive                    | optuna call on the trial (name = parameter path, e.g. "model/0/lr")  |
|--------------------------------------|-----------------------------------------------------------------------|
| `uniform(a, b)`                      | `suggest_float(a, b)`                                                 |
| `quniform(a, b, q)`                  | `suggest_float(lo, hi, step=q)` (lo, hi: first/last multiple of q)    |
| `loguniform(a, b)`                   | `suggest_float(a, b, log=True)`                                       |
| `qloguniform(a, b, q)`               | `suggest_float(lo, hi, log=True)`, rounded to q (optuna has no log+step) |
| `randint(a, b)` (b excluded)         | `suggest_int(a, b - 1)`                                               |
| `qrandint(a, b, q)` (b included)     | `suggest_int(lo, hi, step=q)`                                         |
| `lograndint(a, b)`                   | `suggest_int(a, b - 1, log=True)`                                     |
| `qlograndint(a, b, q)`               | `suggest_int(lo, hi, log=True)`, rounded to q                         |
| `randn(m, s)`, `qrandn(m, s, q)`     | `suggest_float(0, 1)` = u, value = normal quantile of u (rounded to q) |
| `choice([...])`                      | `suggest_categorical([0, 1, ...])`: the category *index*              |
| `choice` over dicts with domains     | the index, then the chosen branch's parameters (define-by-run)        |
| `sample_from(fn)`                    | not searched: computed by asktell from the other values               |
| `grid_search([...])`                 | refused at experiment start: use `choice([...])`                      |

Single objective: `metric="loss", mode="min"`; several: `metric=["loss", "time"], mode=["min", "min"]`
(TPE handles both, as optuna's multi-objective TPE; `sampler="nsga2"` or `"nsga3"` for the genetic algorithms).
A trial a scheduler stops is told PRUNED after `trial.report(last value, its training_iteration)`, so optuna
keeps its last intermediate value (only that one is reported: a report per result would cost a storage write
each); failed or NaN trials are told FAIL. With several objectives a stopped trial is told its last values.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

from hpo_core.errors import AsktellTypeError, AsktellValueError

from ._base import LibrarySearcher, check_points
from ._native import NativeSpace
from ._space import Param, ParamKind, all_params, encode_point, walk_active

__all__ = ["SAMPLERS", "OptunaSearch"]

# sampler name -> optuna class name (TPE handles one objective or several: "motpe" is its multi-objective name)
SAMPLERS = {"tpe": "TPESampler", "motpe": "TPESampler", "nsga2": "NSGAIISampler", "nsga3": "NSGAIIISampler",
            "random": "RandomSampler", "qmc": "QMCSampler", "cmaes": "CmaEsSampler", "gp": "GPSampler"}


def make_sampler(optuna: Any, name: str, seed: int, options: dict[str, Any], *, conditional: bool) -> Any:
    """The optuna sampler called `name`, seeded; TPE with constant liar (and grouped when the space is
    conditional), so parallel trials do not all pile up on the same point."""
    settings: dict[str, Any] = {"seed": seed}
    if SAMPLERS[name] == "TPESampler":
        settings.update({"constant_liar": True, "multivariate": True, "group": True} if conditional
                        else {"constant_liar": True})
    settings.update(options)
    with warnings.catch_warnings():  # `group` and some samplers' options are "experimental" in optuna
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return getattr(optuna.samplers, SAMPLERS[name])(**settings)


class OptunaSearch(NativeSpace, LibrarySearcher):
    """Optuna through `Study.ask/tell`.

    `space` may be optuna's own instead of the run's config: a dict of optuna distributions (searched as the
    matching asktell domains), or a define-by-run function `fn(optuna_trial) -> dict of constants | None` that
    calls `trial.suggest_*` (the config is the trial's params, "a/b" names nested, plus the constants).

    `sampler`: any optuna sampler, used as given (seed it yourself), or a name seeded by `seed`: "tpe" (the default:
    `TPESampler(seed=seed, constant_liar=True)`, multivariate and grouped when the space is conditional; with
    several metrics it is optuna's multi-objective TPE, also called "motpe"), "nsga2", "nsga3", "random", "qmc",
    "cmaes", "gp" (needs torch). `sampler_options`: keyword arguments for a named sampler's constructor
    (e.g. `{"population_size": 20}` for "nsga2").
    `seed`: seeds the default sampler; None derives it from the experiment seed.
    `points_to_evaluate`: configs (nested dicts; missing parameters are sampled) to try first, in order.
    `evaluated_rewards`: their known results (one per point, a number or a list per metric): then they are added
    to the study as finished trials instead of being run.
    """

    module = "optuna"
    extra = "optuna"
    library = "optuna"
    allows_conditional = True
    allows_sample_from = True
    multi_objective = True

    def __init__(
        self,
        space: dict[str, Any] | Callable[[Any], dict[str, Any] | None] | None = None,
        *,
        sampler: Any = None,
        sampler_options: dict[str, Any] | None = None,
        seed: int | None = None,
        points_to_evaluate: Sequence[dict[str, Any]] | None = None,
        evaluated_rewards: Sequence[Any] | None = None,
        metric: str | list[str] | None = None,
        mode: str | list[str] | None = None,
    ):
        super().__init__(metric=metric, mode=mode, points_to_evaluate=points_to_evaluate, seed=seed)
        if isinstance(sampler, str):
            if sampler not in SAMPLERS:
                raise AsktellValueError(f"`sampler` must be one of {sorted(SAMPLERS)} or an optuna sampler, "
                                        f"but got {sampler!r}")
        elif sampler is not None and not isinstance(sampler, self.lib.samplers.BaseSampler):
            raise AsktellTypeError(f"`sampler` must be an optuna sampler or its name, but got {sampler!r}")
        if sampler_options is not None and not (isinstance(sampler, str) and isinstance(sampler_options, dict)):
            raise AsktellValueError(
                f"`sampler_options` must be a dict and goes with a sampler name, but got {sampler_options!r} with "
                f"sampler={sampler!r}"
            )
        self.sampler = sampler
        self.sampler_options = dict(sampler_options or {})
        self._rewards = None
        self.native_space = space
        self._converted = self._distributions_space(space) if isinstance(space, dict) else None
        if space is not None and not isinstance(space, dict) and not callable(space):
            raise AsktellTypeError(f"`space` must be a dict of optuna distributions or a define-by-run function, but "
                                   f"got {space!r}")
        if callable(space) and evaluated_rewards is not None:
            raise AsktellValueError("`evaluated_rewards` with a define-by-run `space` is not supported: optuna needs "
                                    "the distributions of a finished trial")
        if evaluated_rewards is not None:
            check_points(points_to_evaluate)
            if isinstance(evaluated_rewards, (str, dict)) or not isinstance(evaluated_rewards, Sequence) \
                    or len(evaluated_rewards) != len(self._user_points):
                raise AsktellValueError(
                    "`evaluated_rewards` must be a list with one result per point of `points_to_evaluate` "
                    f"({len(self._user_points)}), but got {evaluated_rewards!r}"
                )
            self._rewards = list(evaluated_rewards)

    # --- optuna's own space ---------------------------------------------------------------------------------------
    def _distributions_space(self, space: dict[str, Any]) -> dict[str, Any]:
        """asktell domains for a dict of optuna distributions (asktell domains and constants pass as they are)."""
        from hpo_core import space as domains

        d = self.lib.distributions
        converted: dict[str, Any] = {}
        for name, dist in space.items():
            if isinstance(dist, d.CategoricalDistribution):
                converted[name] = domains.choice(list(dist.choices))
            elif isinstance(dist, d.IntDistribution):
                if dist.log:
                    converted[name] = domains.lograndint(dist.low, dist.high + 1)
                elif dist.step != 1:
                    converted[name] = domains.qrandint(dist.low, dist.high, dist.step)
                else:
                    converted[name] = domains.randint(dist.low, dist.high + 1)
            elif isinstance(dist, d.FloatDistribution):
                if dist.log:
                    converted[name] = domains.loguniform(dist.low, dist.high)
                elif dist.step is not None:
                    converted[name] = domains.quniform(dist.low, dist.high, dist.step)
                else:
                    converted[name] = domains.uniform(dist.low, dist.high)
            elif isinstance(dist, d.BaseDistribution):
                raise AsktellTypeError(f"space[{name!r}]: optuna distribution {dist!r} is not supported")
            else:
                converted[name] = dist
        return converted

    def _space_from_native(self) -> dict[str, Any] | None:
        return self._converted

    def _ask_native(self, trial_id: str) -> dict[str, Any]:
        trial = self._lib["study"].ask()
        self._lib["live"][trial_id] = trial
        constants = self.native_space(trial)
        if constants is not None and not isinstance(constants, dict):
            raise AsktellTypeError(f"the define-by-run `space` function must return a dict or None, but got "
                                   f"{constants!r}")
        return {**trial.params, **(constants or {})}

    # --- library objects ----------------------------------------------------------------------------------------
    def _distribution(self, param: Param) -> Any:
        d = self.lib.distributions
        if param.kind is ParamKind.CHOICE:
            return d.CategoricalDistribution(list(range(param.size)))
        if param.kind is ParamKind.NORMAL:
            return d.FloatDistribution(0.0, 1.0)
        if param.kind is ParamKind.INT:
            step = 1 if param.log else int(param.step)
            return d.IntDistribution(int(param.low), int(param.high), log=param.log, step=step)
        if param.low == param.high:  # a q grid with one point
            return d.FloatDistribution(param.low, param.high)
        step = None if param.log else param.step
        return d.FloatDistribution(param.low, param.high, log=param.log, step=step)

    def _to_optuna(self, param: Param, canonical: Any) -> Any:
        return param.domain.to_unit(canonical) if param.kind is ParamKind.NORMAL else canonical

    def _from_optuna(self, param: Param, value: Any) -> Any:
        return param.domain.from_unit(value) if param.kind is ParamKind.NORMAL else value

    def _build(self) -> dict[str, Any]:
        optuna = self.lib
        sampler = self.sampler
        if sampler is None or isinstance(sampler, str):
            conditional = any(p.conditional and any(p.branches) for p in self._params)
            sampler = make_sampler(optuna, sampler or "tpe", self._seed, self.sampler_options,
                                   conditional=conditional)
        directions = ["minimize" if m == "min" else "maximize" for m in self.modes]
        study = optuna.create_study(sampler=sampler, directions=directions)
        points = [_flat(p) for p in self._user_points] if self.asks_natively else self._points
        for i, point in enumerate(points):
            if self.asks_natively:  # define-by-run: optuna checks the values when the function asks for them
                study.enqueue_trial(point, skip_if_exists=False)
                continue
            params = {path: self._to_optuna(self._index[path], v) for path, v in point.items()}
            if self._rewards is None:
                study.enqueue_trial(params, skip_if_exists=False)
                continue
            study.add_trial(optuna.trial.create_trial(
                params=params, distributions={p: self._distributions[p] for p in params}, values=self._rewards[i],
            ))
        return {"study": study}

    def _reward_values(self, index: int, reward: Any) -> list[float]:
        values = self.values_of(reward) if isinstance(reward, dict) else [reward] if not isinstance(
            reward, (list, tuple)) else list(reward)
        if values is None or len(values) != len(self.metrics) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise AsktellValueError(
                f"evaluated_rewards[{index}] must give {len(self.metrics)} number(s) for {self.metrics}, "
                f"but got {reward!r}"
            )
        return [float(v) for v in values]

    def _setup(self, space) -> None:
        super()._setup(space)
        self._distributions = {p.path: self._distribution(p) for p in all_params(self._params)}
        if self._rewards is not None:
            self._rewards = [self._reward_values(i, reward) for i, reward in enumerate(self._rewards)]
            for i, point in enumerate(self._points):
                missing = [p.path for p in all_params(self._params) if p.path not in point]
                active = walk_active(self._params, lambda p, point=point: point.get(p.path, 0))
                if any(path in active for path in missing):
                    raise AsktellValueError(
                        f"points_to_evaluate[{i}] has a reward but lacks {sorted(set(missing) & set(active))}: a "
                        "point with a known result must be complete"
                    )

    # --- ask/tell ---------------------------------------------------------------------------------------------
    def _suggest(self, trial: Any, param: Param) -> Any:
        """Ask the trial for one parameter (define-by-run), as a canonical value."""
        dist = self._distributions[param.path]
        if isinstance(dist, self.lib.distributions.CategoricalDistribution):
            return trial.suggest_categorical(param.path, dist.choices)
        if isinstance(dist, self.lib.distributions.IntDistribution):
            return trial.suggest_int(param.path, dist.low, dist.high, step=dist.step, log=dist.log)
        value = trial.suggest_float(param.path, dist.low, dist.high, step=dist.step, log=dist.log)
        return self._from_optuna(param, value)

    def _ask(self, trial_id: str) -> dict[str, Any]:
        trial = self._lib["study"].ask()
        self._lib["live"][trial_id] = trial
        return walk_active(self._params, lambda param: self._suggest(trial, param))

    def _report(self, trial_id: str, result: dict[str, Any]) -> None:
        """Remembers the latest (step, value); it is reported to optuna only if the trial ends pruned."""
        values = self.values_of(result)
        step = result.get("training_iteration")
        if values is not None and isinstance(step, int):
            self._lib.setdefault("latest", {})[trial_id] = (step, values[0])

    def _tell(self, trial_id: str, values: list[float], pruned: bool) -> None:
        trial = self._lib["live"][trial_id]
        step, _ = self._lib.setdefault("latest", {}).pop(trial_id, (1, None))
        if pruned and len(self.metrics) == 1:
            trial.report(values[0], step)  # the pruned trial's value: its last intermediate one
            self._lib["study"].tell(trial, state=self.lib.trial.TrialState.PRUNED)
        else:
            self._lib["study"].tell(trial, values if len(values) > 1 else values[0])

    def _tell_failed(self, trial_id: str) -> None:
        self._lib.setdefault("latest", {}).pop(trial_id, None)
        self._lib["study"].tell(self._lib["live"][trial_id], state=self.lib.trial.TrialState.FAIL)

    def _tell_rerun(self, trial_id: str, entry: Any, values: list[float], pruned: bool) -> None:
        """optuna's failed trial is final: the rerun's result joins the study as a new trial with the same params."""
        step, _ = self._lib.setdefault("latest", {}).pop(trial_id, (1, None))
        states = self.lib.trial.TrialState
        if pruned and len(self.metrics) == 1:
            done = self.lib.trial.create_trial(params=entry.params, distributions=entry.distributions,
                                               intermediate_values={step: values[0]}, state=states.PRUNED)
        else:
            done = self.lib.trial.create_trial(params=entry.params, distributions=entry.distributions,
                                               values=values)
        self._lib["study"].add_trial(done)

    def add_evaluated_point(self, parameters: dict[str, Any], value: float | Sequence[float], error: bool = False,
                            pruned: bool = False, intermediate_values: Sequence[float] | None = None) -> None:
        """Tell optuna about a config evaluated elsewhere (Ray Tune's API): it joins the study as a finished trial
        (failed with `error`, pruned with `pruned`). Call it once the experiment gave the searcher its space.

        Example: `searcher.add_evaluated_point({"x": 0.5}, 1.25)`
        """
        if self.space is None or self.asks_natively:
            raise AsktellValueError("add_evaluated_point needs the search space: call it after the experiment set it "
                                    "up (and not with a define-by-run `space`)")
        canonical = encode_point(self._params, parameters, "parameters")
        active = walk_active(self._params, lambda p: canonical.get(p.path, 0))
        missing = sorted(set(active) - set(canonical))
        if missing:
            raise AsktellValueError(f"`parameters` lacks {missing}: an evaluated point must be complete")
        values = None if error else self._reward_values(0, value)
        self._start_library()
        states = self.lib.trial.TrialState
        state = states.FAIL if error else states.PRUNED if pruned else states.COMPLETE
        self._lib["study"].add_trial(self.lib.trial.create_trial(
            params={path: self._to_optuna(self._index[path], v) for path, v in canonical.items()},
            distributions={path: self._distributions[path] for path in canonical},
            values=None if state is not states.COMPLETE else values, state=state,
            intermediate_values=dict(enumerate(intermediate_values or [], start=1)) or None,
        ))

    @property
    def study(self) -> Any:
        """The optuna `Study` (None before the first suggestion)."""
        return None if self._lib is None else self._lib["study"]



def _flat(point: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested point with "a/b" names, as the define-by-run function names its parameters."""
    flat: dict[str, Any] = {}
    for key, value in point.items():
        name = f"{prefix}{key}"
        flat.update(_flat(value, name + "/") if isinstance(value, dict) else {name: value})
    return flat
