"""Adapters: the shared Searcher contract, every primitive converted (values inside their domains), spaces a
library cannot search refused at experiment start, missing libraries named with their extra."""
from __future__ import annotations

import sys

import pytest
from adapters_helpers import FastUCB, configs, run

from hpo_adapters.bayesopt import BayesOptSearch
from hpo_adapters.hyperopt import HyperOptSearch
from hpo_adapters.optuna import OptunaSearch
from hpo_core import (
    AsktellTypeError,
    AsktellValueError,
    Experiment,
    choice,
    grid_search,
    lograndint,
    loguniform,
    qlograndint,
    qloguniform,
    qrandint,
    qrandn,
    quniform,
    randint,
    randn,
    sample_from,
    uniform,
)
from hpo_core.space import Categorical, Function, Space
from hpo_core.testing import SEARCHER_CHECKS, SearcherCase
from hpo_core.testing.searcher_contract import value_at

FLOAT_SPACE = {"a": uniform(0.0, 1.0), "b": loguniform(1e-3, 1.0), "nested": {"c": uniform(-1, 1), "k": 7}}

CASES = [
    SearcherCase("optuna", lambda: OptunaSearch()),
    SearcherCase("optuna_seeded", lambda: OptunaSearch(seed=3), follows_experiment_seed=False),
    SearcherCase("hyperopt", lambda: HyperOptSearch(n_initial_points=4)),
    SearcherCase("bayesopt", lambda: BayesOptSearch(random_search_steps=3, acquisition_function=FastUCB()),
                 space=FLOAT_SPACE, num_trials=6),
]


@pytest.mark.parametrize("check", SEARCHER_CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_adapter_contract(case, check):
    check(case)


# --- every primitive ---------------------------------------------------------------------------------------------
EVERY_PRIMITIVE = {
    "u": uniform(-2.0, 3.0),
    "qu": quniform(0.05, 1.0, 0.1),
    "lu": loguniform(1e-4, 1e-1),
    "qlu": qloguniform(1.0, 100.0, 5.0),
    "ri": randint(3, 9),
    "qri": qrandint(0, 20, 5),
    "lri": lograndint(1, 1000),
    "qlri": qlograndint(2, 64, 2),
    "rn": randn(5.0, 2.0),
    "qrn": qrandn(0.0, 1.0, 0.5),
    "ch": choice(["x", 2, None]),
    "lists": choice([[1, 2], [3]]),
    "single": choice(["only"]),
    "const": {"deep": [1, "two"]},
}
MAKERS = {
    "optuna": lambda: OptunaSearch(seed=1),
    "hyperopt": lambda: HyperOptSearch(random_state_seed=1, n_initial_points=5),
    # random asks only: a GP ask over this mixed 14-d space takes bayes_opt ~20 s (differential evolution);
    # GP asks with typed parameters are tested on a small space in test_adapters_behaviour
    "bayesopt": lambda: BayesOptSearch(random_state=1, random_search_steps=10),
}


def _check_inside(space: dict, config: dict) -> None:
    for path, domain in Space(space).domains.items():
        if isinstance(domain, Function) or (isinstance(domain, Categorical) and domain.is_conditional
                                            and not all(isinstance(c, list) for c in domain.categories)):
            continue
        value = value_at(config, path)
        assert domain.contains(value), f"{path}={value!r} outside {domain!r}"
        if domain.kind == "int":
            assert type(value) is int, f"{path}={value!r} is not an int"


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_every_primitive_gives_values_inside_its_domain(name):
    n = 10 if name == "bayesopt" else 14  # bayesopt: all from its typed parameters' random sampling
    exp = run(MAKERS[name](), EVERY_PRIMITIVE, lambda c: c["u"] ** 2 + c["ri"] + (c["ch"] == "x"), n=n)
    seen = configs(exp)
    assert len(seen) == n
    for config in seen:
        _check_inside(EVERY_PRIMITIVE, config)
        assert config["const"] == {"deep": [1, "two"]} and config["single"] == "only"
        assert config["lists"] in ([1, 2], [3])
    # the searcher really searches: several distinct values per parameter
    for key in ("u", "lu", "ri", "rn", "ch"):
        assert len({repr(c[key]) for c in seen}) > 1, key


def test_optuna_leaves_sample_from_to_the_core():
    space = {"a": uniform(0, 1), "twice": sample_from(lambda spec: spec.config.a * 2)}
    for config in configs(run(OptunaSearch(seed=0), space, lambda c: c["a"], n=6)):
        assert config["twice"] == pytest.approx(2 * config["a"])


# --- refused at experiment start -------------------------------------------------------------------------------
CONDITIONAL = {"model": choice([{"kind": "lin", "lr": uniform(0, 1)}, {"kind": "tree", "depth": randint(1, 5)}])}


@pytest.mark.parametrize("make, space, words", [
    (lambda: OptunaSearch(), {"a": grid_search([1, 2])}, ["'a'", "grid_search", "choice([1, 2])"]),
    (lambda: HyperOptSearch(), {"n": {"g": grid_search([1, 2])}}, ["'n/g'", "grid_search"]),
    (lambda: HyperOptSearch(), {"a": uniform(0, 1), "s": sample_from(lambda c: 1)}, ["'s'", "sample_from",
                                                                                      "inside the trainable"]),
    (lambda: BayesOptSearch(), {"s": sample_from(lambda c: 1)}, ["'s'", "sample_from"]),
    (lambda: BayesOptSearch(), {"a": grid_search([1, 2])}, ["'a'", "grid_search"]),
    (lambda: BayesOptSearch(), CONDITIONAL, ["'model'", "conditional", "OptunaSearch or HyperOptSearch"]),
    (lambda: HyperOptSearch(), {"m": choice([{"g": grid_search([1])}])}, ["'m/0/g'", "grid_search"]),
])
def test_unsearchable_spaces_are_refused_at_experiment_start(make, space, words):
    with pytest.raises(AsktellValueError) as info:
        Experiment(space, metric="loss", mode="min", search_alg=make())
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("make", [lambda: HyperOptSearch(), lambda: BayesOptSearch()])
def test_several_metrics_need_optuna(make):
    with pytest.raises(AsktellValueError, match="OptunaSearch"):
        Experiment({"a": uniform(0, 1)}, metric=["a", "b"], mode=["min", "max"], search_alg=make())


@pytest.mark.parametrize("make", [lambda: OptunaSearch(), lambda: HyperOptSearch(), lambda: BayesOptSearch()])
def test_metric_and_mode_are_required(make):
    with pytest.raises(AsktellValueError, match="needs `metric` and `mode`"):
        Experiment({"a": uniform(0, 1)}, search_alg=make())


def test_constructor_metric_conflicting_with_the_experiment_is_refused():
    with pytest.raises(AsktellValueError, match="metric='acc'"):
        Experiment({"a": uniform(0, 1)}, metric="loss", mode="min", search_alg=OptunaSearch(metric="acc"))


@pytest.mark.parametrize("make, message", [
    (lambda: OptunaSearch(sampler="tpee"), "optuna sampler"),  # (a known name, such as "tpe", is accepted)
    (lambda: OptunaSearch(seed=-1), "`seed`"),
    (lambda: HyperOptSearch(n_initial_points=-2), "n_initial_points"),
    (lambda: HyperOptSearch(random_state_seed="1"), "random_state_seed"),
    (lambda: HyperOptSearch(gamma=1.5), "gamma"),
    (lambda: BayesOptSearch(random_search_steps=1.5), "random_search_steps"),
    (lambda: BayesOptSearch(utility_kwargs={"kind": "xyz"}), "'xyz'"),
    (lambda: BayesOptSearch(utility_kwargs={"kappa": -1.0}), "kappa"),
    (lambda: BayesOptSearch(utility_kwargs={"kapa": 1.0}), "kapa"),
    (lambda: OptunaSearch(points_to_evaluate={"a": 1}), "list of dicts"),
    (lambda: OptunaSearch(points_to_evaluate=[{"a": 1}], evaluated_rewards=[1, 2]), "one result per point"),
])
def test_bad_constructor_arguments_name_the_argument(make, message):
    with pytest.raises((AsktellValueError, AsktellTypeError)) as info:
        make()
    assert message in str(info.value)


@pytest.mark.parametrize("point, words", [
    ({"a": 2.0}, ["points_to_evaluate[0]", "'a'=2.0"]),
    ({"a": 0.5, "c": "z"}, ["'c'='z'", "choices"]),
])
@pytest.mark.parametrize("make", [lambda p: OptunaSearch(points_to_evaluate=[p]),
                                  lambda p: HyperOptSearch(points_to_evaluate=[p]),
                                  lambda p: BayesOptSearch(points_to_evaluate=[p])])
def test_points_outside_the_space_are_refused_at_start(make, point, words):
    with pytest.raises(AsktellValueError) as info:
        Experiment({"a": uniform(0, 1), "c": choice(["x", "y"])}, metric="loss", mode="min", search_alg=make(point))
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize("cls, module, extra", [
    (OptunaSearch, "optuna", "optuna"), (HyperOptSearch, "hyperopt", "hyperopt"),
    (BayesOptSearch, "bayes_opt", "bayesopt"),
])
def test_missing_library_names_the_extra(monkeypatch, cls, module, extra):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import <module>` fail as if not installed
    with pytest.raises(ImportError) as info:
        cls()
    assert f'pip install "asktell[{extra}]"' in str(info.value) and cls.__name__ in str(info.value)


def test_importing_the_package_imports_no_library():
    import subprocess

    code = ("import sys, hpo_adapters; bad = {'optuna', 'hyperopt', 'bayes_opt'} & set(sys.modules); "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_a_space_with_nothing_to_search_gives_its_constants(name):
    space = {"c": choice(["only"]), "k": 1}
    seen = configs(run(MAKERS[name](), space, lambda c: 1.0, n=3))
    assert seen == [{"c": "only", "k": 1}] * 3
