"""The methods the suites compare, by name: searchers (on any problem) and schedulers (on multi-fidelity problems).

Each factory takes `(problem, seed, workers)` and returns a `Setup` (space, searcher, scheduler), returns None
when the method makes no sense for the problem (a grid in 10 dimensions), or raises `ImportError` when its
library or its module is not installed yet; the suites skip both and say so.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hpo_core import BasicVariantGenerator, FIFOScheduler

from .problems import Problem


@dataclass
class Setup:
    space: dict[str, Any]
    searcher: Any = None
    scheduler: Any = None
    num_samples: int | None = None  # overrides the suite's trial budget (PBT: the population size)


Factory = Callable[[Problem, int, int], "Setup | None"]


def _load(module: str, name: str) -> Any:
    """A class from a module that may not exist yet (another part of the project) or whose library is missing."""
    try:
        return getattr(importlib.import_module(module), name)
    except AttributeError as exc:
        raise ImportError(f"{module}.{name} is not available") from exc


def _optuna(sampler: str) -> Factory:
    def build(problem: Problem, seed: int, workers: int) -> Setup:
        optuna = importlib.import_module("optuna")
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        search = _load("hpo_adapters.optuna", "OptunaSearch")
        if sampler == "tpe":
            made = optuna.samplers.TPESampler(seed=seed, constant_liar=workers > 1)
        elif sampler == "gp":
            importlib.import_module("torch")
            made = optuna.samplers.GPSampler(seed=seed)
        else:
            importlib.import_module("cmaes")
            made = optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
        return Setup(problem.space(), search(sampler=made))
    return build


def _random(problem: Problem, seed: int, workers: int) -> Setup:
    return Setup(problem.space(), BasicVariantGenerator())


def _grid(problem: Problem, seed: int, workers: int, budget: int = 0) -> Setup | None:
    space = problem.grid(budget)
    return None if space is None else Setup(space, BasicVariantGenerator(), num_samples=1)


def _hyperopt(problem: Problem, seed: int, workers: int) -> Setup:
    return Setup(problem.space(), _load("hpo_adapters.hyperopt", "HyperOptSearch")(random_state_seed=seed))


def _bayesopt(problem: Problem, seed: int, workers: int) -> Setup | None:
    from hpo_core.space import Float, Space

    space = problem.space()
    if not all(isinstance(d, Float) for d in Space(space).domains.values()):
        return None  # bayes_opt searches boxes of floats only
    return Setup(space, _load("hpo_adapters.bayesopt", "BayesOptSearch")(random_state=seed))


SEARCHERS: dict[str, Factory] = {
    "random": _random,
    "grid": _grid,
    "optuna-tpe": _optuna("tpe"),
    "optuna-gp": _optuna("gp"),
    "optuna-cmaes": _optuna("cmaes"),
    "hyperopt": _hyperopt,
    "bayesopt": _bayesopt,
}


def _scheduler(name: str) -> Any:
    from hpo_core import schedulers

    if hasattr(schedulers, name):
        return getattr(schedulers, name)
    for module in ("async_hyperband", "hyperband", "median_stopping", "pbt"):
        try:
            found = getattr(importlib.import_module(f"hpo_core.schedulers.{module}"), name, None)
        except ImportError:
            continue
        if found is not None:
            return found
    raise ImportError(f"hpo_core.schedulers.{name} is not available")


def _fifo(problem: Problem, seed: int, workers: int) -> Setup:
    return Setup(problem.space(), BasicVariantGenerator(), FIFOScheduler())


def _asha(problem: Problem, seed: int, workers: int) -> Setup:
    scheduler = _scheduler("AsyncHyperBandScheduler")(max_t=problem.max_t, grace_period=1, reduction_factor=3)
    return Setup(problem.space(), BasicVariantGenerator(), scheduler)


def _hyperband(problem: Problem, seed: int, workers: int) -> Setup:
    scheduler = _scheduler("HyperBandScheduler")(max_t=problem.max_t, reduction_factor=3)
    return Setup(problem.space(), BasicVariantGenerator(), scheduler)


def _median(problem: Problem, seed: int, workers: int) -> Setup:
    scheduler = _scheduler("MedianStoppingRule")(time_attr="training_iteration", grace_period=3,
                                                 min_samples_required=3)
    return Setup(problem.space(), BasicVariantGenerator(), scheduler)


def _pbt(problem: Problem, seed: int, workers: int) -> Setup | None:
    space = problem.space()
    values = getattr(problem, "values", None)
    if values is None:
        return None  # PBT needs a problem whose training can continue under a changed config
    scheduler = _scheduler("PopulationBasedTraining")(
        time_attr="training_iteration", perturbation_interval=max(1, problem.max_t // 9),
        hyperparam_mutations={name: list(options) for name, options in values.items()},
    )
    return Setup(space, BasicVariantGenerator(), scheduler, num_samples=max(workers, 4))


SCHEDULERS: dict[str, Factory] = {
    "fifo": _fifo,
    "asha": _asha,
    "hyperband": _hyperband,
    "median": _median,
    "pbt": _pbt,
}


def build(kind: dict[str, Factory], name: str, problem: Problem, seed: int, workers: int,
          budget: int) -> Setup | None:
    """The setup of method `name`, or None if it does not fit the problem; ImportError if not installed."""
    if name == "grid":
        return _grid(problem, seed, workers, budget)
    return kind[name](problem, seed, workers)


# --- several objectives (the `multiobjective` suite) -------------------------------------------------------------
def _optuna_mo(sampler: str, **options: Any) -> Factory:
    def build(problem: Problem, seed: int, workers: int) -> Setup:
        optuna = importlib.import_module("optuna")
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        search = _load("hpo_adapters.optuna", "OptunaSearch")
        return Setup(problem.space(), search(sampler=sampler, seed=seed, sampler_options=options or None))
    return build


def _scalarized(inner: Factory) -> Factory:
    def build(problem: Problem, seed: int, workers: int) -> Setup:
        from hpo_core.searchers import ScalarizedSearch

        setup = inner(problem, seed, workers)
        return Setup(setup.space, ScalarizedSearch(setup.searcher))
    return build


def _mo_asha(problem: Problem, seed: int, workers: int) -> Setup:
    scheduler = _scheduler("MOASHAScheduler")(max_t=problem.max_t, grace_period=1, reduction_factor=3)
    return Setup(problem.space(), BasicVariantGenerator(), scheduler)


def _mo_hyperband(problem: Problem, seed: int, workers: int) -> Setup:
    scheduler = _scheduler("MOHyperBandScheduler")(max_t=problem.max_t, reduction_factor=3)
    return Setup(problem.space(), BasicVariantGenerator(), scheduler)


MULTI_OBJECTIVE: dict[str, Factory] = {
    "random": _random,
    "optuna-nsga2": _optuna_mo("nsga2", population_size=20),
    "optuna-nsga3": _optuna_mo("nsga3", population_size=20),
    "optuna-motpe": _optuna_mo("motpe"),
    "optuna-gp": _optuna_mo("gp"),
    "scalarized-tpe": _scalarized(_optuna("tpe")),
    "scalarized-gp": _scalarized(_optuna("gp")),
    "mo-asha": _mo_asha,
    "mo-hyperband": _mo_hyperband,
}
"""Searchers for the single-fidelity problems; schedulers (with random configs) for the multi-fidelity one."""
