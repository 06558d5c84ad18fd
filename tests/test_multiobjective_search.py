"""Multi-objective searchers: OptunaSearch's named samplers (NSGA-II, NSGA-III, MOTPE) and ScalarizedSearch, which
makes any single-objective searcher multi-objective."""
from __future__ import annotations

import pickle

import numpy as np
import optuna
import pytest

from hpo_adapters.hyperopt import HyperOptSearch
from hpo_adapters.optuna import OptunaSearch
from hpo_core import BasicVariantGenerator, Experiment, uniform
from hpo_core.errors import AsktellTypeError, AsktellValueError
from hpo_core.pareto import hypervolume, to_minimise
from hpo_core.searchers import ScalarizedSearch

SPACE = {"x": uniform(0.0, 1.0), "y": uniform(0.0, 1.0)}
OBJECTIVES = {"metric": ["f1", "f2"], "mode": ["min", "max"]}


def objectives(config):
    """A two-objective problem with a known front: f1 = x, f2 = 1 - x**2 - (y - 0.5)**2 (maximised); front at y = 0.5."""
    return {"f1": config["x"], "f2": 1 - config["x"] ** 2 - (config["y"] - 0.5) ** 2}


def drive(searcher, n=24, seed=0):
    exp = Experiment(SPACE, num_samples=n, search_alg=searcher, seed=seed, **OBJECTIVES)
    while (s := exp.ask()) is not None:
        exp.tell(s.trial_id, objectives(s.config))
        exp.complete(s.trial_id)
    return exp


@pytest.mark.parametrize(("name", "cls"), [("nsga2", optuna.samplers.NSGAIISampler),
                                            ("nsga3", optuna.samplers.NSGAIIISampler),
                                            ("motpe", optuna.samplers.TPESampler)])
def test_optuna_named_multi_objective_samplers(name, cls):
    options = {"population_size": 8} if name.startswith("nsga") else None
    search = OptunaSearch(sampler=name, sampler_options=options)
    drive(search)
    assert type(search.study.sampler) is cls
    assert [d.name for d in search.study.directions] == ["MINIMIZE", "MAXIMIZE"]
    assert len(search.study.best_trials) >= 1 and all(len(t.values) == 2 for t in search.study.trials)
    again = OptunaSearch(sampler=name, sampler_options=options)
    drive(again)
    assert [t.params for t in again.study.trials] == [t.params for t in search.study.trials]  # seeded


def test_optuna_sampler_arguments_are_checked():
    with pytest.raises(AsktellValueError, match="'nsga4'"):
        OptunaSearch(sampler="nsga4")
    with pytest.raises(AsktellTypeError, match="optuna sampler or its name"):
        OptunaSearch(sampler=3)
    with pytest.raises(AsktellValueError, match="sampler_options"):
        OptunaSearch(sampler_options={"population_size": 8})


def test_scalarized_search_tells_the_inner_searcher_chebyshev_values():
    inner = OptunaSearch(sampler="random")
    search = ScalarizedSearch(inner, rho=0.05)
    exp = Experiment(SPACE, num_samples=3, search_alg=search, seed=0, **OBJECTIVES)
    told = []
    for _ in range(3):
        s = exp.ask()
        weights = search.weights[s.trial_id]
        result = objectives(s.config)
        told.append((result, weights))
        exp.tell(s.trial_id, result)
        exp.complete(s.trial_id)
    assert inner.metric == "scalarized" and inner.mode == "min"
    assert [d.name for d in inner.study.directions] == ["MINIMIZE"]
    points = to_minimise([[r["f1"], r["f2"]] for r, _ in told], ["min", "max"])
    for index, (result, weights) in enumerate(told):  # each scaled by the range known when it completed
        seen = points[: index + 1]
        low, high = seen.min(axis=0), seen.max(axis=0)
        span = np.where(high > low, high - low, 1.0)
        scaled = np.where(high > low, (points[index] - low) / span, 0.0) * weights
        assert inner.study.trials[index].value == pytest.approx(scaled.max() + 0.05 * scaled.sum())
    assert all(abs(sum(w) - 1) < 1e-9 and min(w) >= 0 for _, w in told)


def test_scalarized_search_makes_a_single_objective_searcher_multi_objective():
    with pytest.raises(AsktellValueError, match="ScalarizedSearch"):
        Experiment(SPACE, search_alg=HyperOptSearch(), **OBJECTIVES)
    exp = drive(ScalarizedSearch(HyperOptSearch()), n=30)
    reached = [[t.last_result["f1"], t.last_result["f2"]] for t in exp.trials.values()]
    volume = hypervolume(to_minimise(reached, ["min", "max"]), [1.0, 0.0])
    assert volume > 0.8 * 2 / 3  # the true front's volume is 2/3 (f2 = 1 - f1**2 against the box [0,1]x[0,1])
    assert exp.trials["00029"].status.name == "TERMINATED"


def test_scalarized_search_state_round_trips_and_checks_input():
    search = ScalarizedSearch(OptunaSearch(sampler="tpe"))
    exp = Experiment(SPACE, num_samples=6, search_alg=search, seed=1, **OBJECTIVES)
    for _ in range(3):
        s = exp.ask()
        exp.tell(s.trial_id, objectives(s.config))
        exp.complete(s.trial_id)
    state = pickle.loads(pickle.dumps(search.save()))
    twin = ScalarizedSearch(OptunaSearch(sampler="tpe"))
    Experiment(SPACE, num_samples=6, search_alg=twin, seed=1, **OBJECTIVES)
    twin.restore(state)
    assert twin.suggest("00003") == search.suggest("00003")
    assert twin.weights["00003"] == search.weights["00003"]
    with pytest.raises(AsktellValueError, match="`rho`"):
        ScalarizedSearch(BasicVariantGenerator(), rho=-1)
    with pytest.raises(AsktellValueError, match="needs `metric` and `mode` lists"):
        Experiment(SPACE, search_alg=ScalarizedSearch(BasicVariantGenerator()))
