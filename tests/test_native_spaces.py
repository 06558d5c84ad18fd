"""Searchers given their library's own space (Ray Tune's `space=`), and Ray Tune's searcher vocabulary:
`save(path)` / `restore(path)`, `OptunaSearch.add_evaluated_point`."""
from __future__ import annotations

import pytest

from hpo_core import (
    AsktellValueError,
    BasicVariantGenerator,
    ConcurrencyLimiter,
    Experiment,
    SerialExecutor,
    choice,
    run,
    uniform,
)

optuna = pytest.importorskip("optuna")
hyperopt = pytest.importorskip("hyperopt")
BayesOptSearch = pytest.importorskip("hpo_adapters.bayesopt").BayesOptSearch
HyperOptSearch = pytest.importorskip("hpo_adapters.hyperopt").HyperOptSearch
OptunaSearch = pytest.importorskip("hpo_adapters.optuna").OptunaSearch


def loss(config):
    return {"loss": config["x"] + config.get("branch", {}).get("mult", 0.0) + config.get("mult", 0.0)}


def tuned(searcher, constants=None, num_samples=6):
    analysis = run(loss, config=constants or {"steps": 3}, search_alg=searcher, metric="loss", mode="min",
                   num_samples=num_samples, executor=SerialExecutor(), verbose=0, seed=0)
    return [t.config for t in analysis.trials]


def define_by_run(trial):
    activation = trial.suggest_categorical("activation", ["relu", "tanh"])
    trial.suggest_float("x", 0, 1)
    if activation == "relu":
        trial.suggest_float("mult", 1, 2)
    return {"fixed": 7}


def test_optuna_define_by_run_space():
    configs = tuned(OptunaSearch(space=define_by_run, seed=0), num_samples=8)
    assert all(c["steps"] == 3 and c["fixed"] == 7 and 0 <= c["x"] <= 1 for c in configs)
    assert {c["activation"] for c in configs} == {"relu", "tanh"}
    assert all(("mult" in c) == (c["activation"] == "relu") for c in configs)  # the conditional parameter


def test_optuna_distributions_space():
    d = optuna.distributions
    space = {"x": d.FloatDistribution(0, 1), "n": d.IntDistribution(1, 3), "lr": d.FloatDistribution(1e-4, 1, log=True),
             "act": d.CategoricalDistribution(["relu", "tanh"])}
    configs = tuned(OptunaSearch(space=space, seed=0))
    assert all(1 <= c["n"] <= 3 and isinstance(c["n"], int) and 1e-4 <= c["lr"] <= 1 for c in configs)
    assert all(c["act"] in ("relu", "tanh") and c["steps"] == 3 for c in configs)


def test_hyperopt_hp_space_with_conditional_branches():
    hp = hyperopt.hp
    space = {"branch": hp.choice("branch", [{"name": "relu", "mult": hp.uniform("mult", 1, 2)}, {"name": "tanh"}]),
             "x": hp.uniform("x", 0, 1)}
    configs = tuned(ConcurrencyLimiter(HyperOptSearch(space=space, random_state_seed=0), max_concurrent=2),
                    num_samples=8)
    assert all(0 <= c["x"] <= 1 and c["steps"] == 3 for c in configs)
    assert {c["branch"]["name"] for c in configs} == {"relu", "tanh"}
    assert all(("mult" in c["branch"]) == (c["branch"]["name"] == "relu") for c in configs)


def test_bayesopt_bounds_space():
    configs = tuned(BayesOptSearch(space={"x": (2, 3)}, random_state=0))
    assert all(2 <= c["x"] <= 3 for c in configs)


def test_a_space_in_both_places_and_bad_spaces_are_refused():
    with pytest.raises(AsktellValueError, match="space in one place"):
        tuned(OptunaSearch(space=define_by_run), constants={"x": uniform(0, 1)})
    with pytest.raises(TypeError, match="bounds"):
        BayesOptSearch(space={"x": "wide"})
    with pytest.raises(TypeError, match="define-by-run"):
        OptunaSearch(space=42)
    with pytest.raises(AsktellValueError, match="points_to_evaluate"):
        HyperOptSearch(space={"x": hyperopt.hp.uniform("x", 0, 1)}, points_to_evaluate=[{"x": 0.5}])


@pytest.mark.parametrize("make", [BasicVariantGenerator, lambda: ConcurrencyLimiter(OptunaSearch(seed=3), 2)])
def test_save_and_restore_through_a_file(make, tmp_path):
    def drive(searcher, n):
        exp = Experiment({"x": uniform(0, 1), "c": choice([1, 2])}, metric="loss", mode="min", num_samples=8,
                         search_alg=searcher, seed=5)
        configs = []
        for _ in range(n):
            suggestion = exp.ask()
            configs.append(suggestion.config)
            exp.tell(suggestion.trial_id, {"loss": suggestion.config["x"]})
            exp.complete(suggestion.trial_id)
        return exp, configs

    searcher = make()
    drive(searcher, 3)
    searcher.save(str(tmp_path / "searcher.pkl"))
    restored = make()
    Experiment({"x": uniform(0, 1), "c": choice([1, 2])}, metric="loss", mode="min", num_samples=8,
               search_alg=restored, seed=5)
    restored.restore(str(tmp_path / "searcher.pkl"))
    assert restored.suggest("next") == searcher.suggest("next")  # the same state: the same next config


def test_optuna_add_evaluated_point():
    searcher = OptunaSearch(seed=0)
    Experiment({"x": uniform(0, 1), "c": choice(["a", "b"])}, metric="loss", mode="min", search_alg=searcher, seed=0)
    searcher.add_evaluated_point({"x": 0.5, "c": "b"}, 1.25)
    searcher.add_evaluated_point({"x": 0.2, "c": "a"}, 0.0, error=True)
    searcher.add_evaluated_point({"x": 0.3, "c": "a"}, 2.0, pruned=True, intermediate_values=[3.0, 2.0])
    trials = searcher.study.trials
    assert [t.state.name for t in trials] == ["COMPLETE", "FAIL", "PRUNED"]
    assert trials[0].params == {"x": 0.5, "c": 1} and trials[0].values == [1.25]
    assert trials[2].intermediate_values == {1: 3.0, 2: 2.0}
    with pytest.raises(AsktellValueError, match="lacks"):
        searcher.add_evaluated_point({"x": 0.5}, 1.0)
