"""Adapters driven through `Experiment`: conditional spaces, points_to_evaluate first, min vs max, failed /
NaN / pruned trials told right, parallel asks apart, optuna samplers and several objectives, save/restore."""
from __future__ import annotations

import math

import cloudpickle
import numpy as np
import optuna
import pytest
from adapters_helpers import FastUCB, configs, min_pairwise_distance, run

import hpo_core
from hpo_adapters.bayesopt import BayesOptSearch
from hpo_adapters.hyperopt import HyperOptSearch
from hpo_adapters.optuna import OptunaSearch
from hpo_core import (
    AsktellValueError,
    Decision,
    Experiment,
    SerialExecutor,
    TrialScheduler,
    TrialStatus,
    choice,
    randint,
    report,
    uniform,
)

MAKERS = {
    "optuna": lambda **kw: OptunaSearch(**kw),
    "hyperopt": lambda **kw: HyperOptSearch(n_initial_points=5, **kw),
    "bayesopt": lambda **kw: BayesOptSearch(random_search_steps=4, acquisition_function=FastUCB(), **kw),
}
# bayes_opt's GP asks take ~1 s each on a shared 2-core machine: its longer cases are marked slow
NAMES_SLOW_BAYES = [pytest.param(n, marks=pytest.mark.slow) if n == "bayesopt" else n for n in sorted(MAKERS)]
SEEDS = {"optuna": "seed", "hyperopt": "random_state_seed", "bayesopt": "random_state"}
CONDITIONAL = {
    "model": choice([
        {"kind": "lin", "lr": uniform(0.0, 1.0)},
        {"kind": "tree", "depth": randint(1, 5), "leaf": choice([{"size": uniform(1.0, 2.0)}, "auto"])},
    ]),
    "batch": 32,
}


def _conditional_loss(config: dict) -> float:
    model = config["model"]
    return model["lr"] if model["kind"] == "lin" else 0.5 + model["depth"] / 10


@pytest.mark.parametrize("name", ["optuna", "hyperopt"])
def test_conditional_spaces_resolve_only_the_chosen_branch(name):
    exp = run(MAKERS[name](), CONDITIONAL, _conditional_loss, n=16)
    kinds = set()
    for config in configs(exp):
        model = config["model"]
        kinds.add(model["kind"])
        assert config["batch"] == 32
        if model["kind"] == "lin":
            assert set(model) == {"kind", "lr"} and 0.0 <= model["lr"] <= 1.0
        else:
            assert set(model) == {"kind", "depth", "leaf"} and model["depth"] in range(1, 5)
            assert model["leaf"] == "auto" or (set(model["leaf"]) == {"size"} and 1 <= model["leaf"]["size"] <= 2)
    assert kinds == {"lin", "tree"}
    if name == "optuna":  # define-by-run: a trial holds only the parameters of its branch
        for trial in exp.searcher.study.trials:
            assert ("model/0/lr" in trial.params) == (trial.params["model"] == 0)
            assert ("model/1/depth" in trial.params) == (trial.params["model"] == 1)


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_points_to_evaluate_come_first(name):
    points = [{"a": 0.123, "c": "y", "n": 4}, {"a": 0.9}]  # the second is partial: the rest is drawn
    space = {"a": uniform(0, 1), "c": choice(["x", "y"]), "n": randint(0, 10)}
    seen = configs(run(MAKERS[name](points_to_evaluate=points), space, lambda c: c["a"], n=6))
    assert seen[0] == {"a": 0.123, "c": "y", "n": 4}
    assert seen[1]["a"] == 0.9 and seen[1]["c"] in ("x", "y") and seen[1]["n"] in range(10)
    assert all(c["a"] not in (0.123, 0.9) for c in seen[2:])


@pytest.mark.parametrize("name", ["optuna", "hyperopt"])
def test_points_to_evaluate_pick_a_branch_of_a_conditional_space(name):
    point = {"model": {"kind": "tree", "depth": 3, "leaf": {"size": 1.5}}}
    first = configs(run(MAKERS[name](points_to_evaluate=[point]), CONDITIONAL, _conditional_loss, n=2))[0]
    assert first == {"model": {"kind": "tree", "depth": 3, "leaf": {"size": 1.5}}, "batch": 32}


def test_optuna_evaluated_rewards_are_added_as_finished_trials():
    points = [{"a": 0.25}, {"a": 0.75}]
    searcher = OptunaSearch(points_to_evaluate=points, evaluated_rewards=[3.0, 1.0])
    seen = configs(run(searcher, {"a": uniform(0, 1)}, lambda c: c["a"], n=3))
    trials = searcher.study.trials
    assert [t.value for t in trials[:2]] == [3.0, 1.0] and [t.params["a"] for t in trials[:2]] == [0.25, 0.75]
    assert all(c["a"] not in (0.25, 0.75) for c in seen)  # known points are not run again


def test_optuna_bad_or_partial_evaluated_rewards_are_refused_at_start():
    space = {"a": uniform(0, 1), "b": uniform(0, 1)}
    with pytest.raises(AsktellValueError, match=r"evaluated_rewards\[0\]"):
        Experiment(space, metric="loss", mode="min",
                   search_alg=OptunaSearch(points_to_evaluate=[{"a": 0.5, "b": 0.5}], evaluated_rewards=["x"]))
    with pytest.raises(AsktellValueError, match="lacks"):
        Experiment(space, metric="loss", mode="min",
                   search_alg=OptunaSearch(points_to_evaluate=[{"a": 0.5}], evaluated_rewards=[1.0]))


@pytest.mark.parametrize("name", NAMES_SLOW_BAYES)
def test_min_and_max_steer_opposite_ways(name):
    space = {"a": uniform(0.0, 1.0), "b": uniform(0.0, 1.0)}
    late = {}
    for mode in ("min", "max"):
        n = 14 if name == "bayesopt" else 25
        exp = run(MAKERS[name](), space, lambda c: c["a"] + 0.1 * c["b"], n=n, mode=mode, seed=3)
        late[mode] = np.mean([c["a"] for c in configs(exp)[-8:]])
    assert late["max"] - late["min"] > 0.3, late  # (random search: about 0 apart)


@pytest.mark.parametrize("name", NAMES_SLOW_BAYES)
def test_failed_and_nan_trials_are_never_told_as_values(name):
    def objective(config):
        index = objective.calls = getattr(objective, "calls", 0) + 1
        return None if index % 4 == 1 else math.nan if index % 4 == 2 else config["a"]

    searcher = MAKERS[name]()
    exp = run(searcher, {"a": uniform(0, 1)}, objective, n=12)
    good = [t.last_result["loss"] for t in exp.trials.values() if t.last_result and not math.isnan(t.last_result["loss"])]
    assert len(good) == 6
    if name == "optuna":
        states = [t.state for t in searcher.study.trials]
        assert states.count(optuna.trial.TrialState.FAIL) == 6
        assert sorted(t.value for t in searcher.study.trials if t.value is not None) == sorted(good)
    elif name == "hyperopt":
        statuses = [t["result"]["status"] for t in searcher.trials.trials]
        assert statuses.count("fail") == 6
        assert sorted(loss for loss in searcher.trials.losses() if loss is not None) == sorted(good)
    else:
        assert sorted(-searcher.optimizer.space.target) == pytest.approx(sorted(good))


class StopEvenTrialsAtTwo(TrialScheduler):
    """Stops every even-numbered trial at its second result (as ASHA would)."""

    def on_trial_result(self, trial, result):
        if int(trial.trial_id) % 2 == 0 and result["training_iteration"] == 2:
            return Decision.STOP
        return Decision.CONTINUE


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_trials_stopped_by_a_scheduler_are_told_as_pruned(name):
    searcher = MAKERS[name]()
    exp = Experiment({"a": uniform(0, 1)}, metric="loss", mode="min", num_samples=6, search_alg=searcher,
                     scheduler=StopEvenTrialsAtTwo(), seed=0)
    for _ in range(6):
        s = exp.ask()
        for step in range(1, 5):
            if exp.tell(s.trial_id, {"loss": s.config["a"] + 1.0 / step}) is Decision.STOP:
                break
        exp.complete(s.trial_id)
    last = [t.last_result["loss"] for t in exp.trials.values()]
    if name == "optuna":
        trials = searcher.study.trials
        assert [t.state.name for t in trials] == ["PRUNED", "COMPLETE"] * 3
        for trial, value in zip(trials, last):
            assert trial.value == pytest.approx(value)  # a pruned trial: its last intermediate value
        assert trials[0].intermediate_values == {2: pytest.approx(last[0])}  # reported at the step it stopped
    elif name == "hyperopt":
        assert searcher.trials.losses() == pytest.approx(last)
    else:
        assert sorted(-searcher.optimizer.space.target) == pytest.approx(sorted(last))


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_parallel_asks_are_not_near_duplicates(name):
    space = {"a": uniform(0.0, 1.0), "b": uniform(0.0, 1.0)}
    exp = run(MAKERS[name](), space, lambda c: (c["a"] - 0.3) ** 2 + (c["b"] - 0.6) ** 2, n=10, seed=1)
    searcher = exp.searcher
    batch = [searcher.suggest(f"p{i}") for i in range(4)]  # four asks while all four are pending
    assert min_pairwise_distance([[c["a"], c["b"]] for c in batch]) > 0.01


@pytest.mark.parametrize("name", NAMES_SLOW_BAYES)
def test_searcher_seed_overrides_the_experiment_seed(name):
    space = {"a": uniform(0.0, 1.0), "n": randint(0, 100)}
    runs = [configs(run(MAKERS[name](**{SEEDS[name]: 7}), space, lambda c: c["a"], n=6, seed=s)) for s in (1, 2)]
    assert runs[0] == runs[1]


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_restore_with_a_trial_still_running(name):
    space = {"a": uniform(0.0, 1.0), "b": uniform(0.0, 1.0)}
    exp = run(MAKERS[name](), space, lambda c: c["a"], n=6)
    pending = exp.searcher.suggest("pending")
    state = cloudpickle.loads(cloudpickle.dumps(exp.searcher.save()))
    fresh = MAKERS[name]()
    Experiment(space, metric="loss", mode="min", search_alg=fresh, seed=123)
    fresh.restore(state)
    fresh.on_trial_complete("pending", {"loss": pending["a"]})
    if name == "optuna":
        assert fresh.study.trials[-1].state is optuna.trial.TrialState.COMPLETE
        assert fresh.study.trials[-1].value == pytest.approx(pending["a"])
    elif name == "hyperopt":
        assert fresh.trials.losses()[-1] == pytest.approx(pending["a"])
    else:
        assert -fresh.optimizer.space.target[-1] == pytest.approx(pending["a"])
    assert set(fresh.suggest("next")) == {"a", "b"}


def test_optuna_several_objectives_and_other_samplers():
    space = {"x": uniform(0.0, 1.0), "y": uniform(0.0, 1.0)}
    sampler = optuna.samplers.NSGAIISampler(seed=0, population_size=4)
    searcher = OptunaSearch(sampler=sampler, metric=["f1", "f2"], mode=["min", "max"])
    exp = Experiment(space, num_samples=8, search_alg=searcher, seed=0)
    for _ in range(8):
        s = exp.ask()
        exp.tell(s.trial_id, {"f1": s.config["x"], "f2": s.config["y"]})
        exp.complete(s.trial_id)
    assert [d.name for d in searcher.study.directions] == ["MINIMIZE", "MAXIMIZE"]
    assert all(len(t.values) == 2 for t in searcher.study.trials)
    assert searcher.study.sampler is sampler and len(searcher.study.best_trials) >= 1

    cma = OptunaSearch(sampler=optuna.samplers.CmaEsSampler(seed=0, n_startup_trials=3))
    seen = configs(run(cma, space, lambda c: (c["x"] - 0.5) ** 2, n=10))
    assert len({c["x"] for c in seen}) == 10


def test_bayesopt_utility_kwargs_choose_the_acquisition():
    import bayes_opt.acquisition as acq

    for kind, cls in (("ucb", acq.UpperConfidenceBound), ("ei", acq.ExpectedImprovement),
                      ("poi", acq.ProbabilityOfImprovement)):
        searcher = BayesOptSearch(utility_kwargs={"kind": kind, "kappa": 1.0, "xi": 0.01}, random_search_steps=1)
        run(searcher, {"a": uniform(0, 1)}, lambda c: c["a"], n=2)
        assert type(searcher.optimizer.acquisition_function) is cls


@pytest.mark.slow
def test_bayesopt_typed_int_and_categorical_parameters_in_gp_asks():
    space = {"n": randint(0, 6), "c": choice(["p", "q"])}
    searcher = BayesOptSearch(random_state=0, random_search_steps=3, acquisition_function=FastUCB())
    seen = configs(run(searcher, space, lambda c: abs(c["n"] - 4) + (c["c"] == "p"), n=5))
    assert all(type(c["n"]) is int and c["n"] in range(6) and c["c"] in ("p", "q") for c in seen)
    kinds = {type(p).__name__ for p in searcher.optimizer.space._params_config.values()}
    assert kinds == {"IntParameter", "CategoricalParameter"}


def _told_losses(name, searcher):
    """The loss values the library has learned, sorted."""
    if name == "optuna":
        return sorted(t.value for t in searcher.study.trials if t.state is optuna.trial.TrialState.COMPLETE)
    if name == "hyperopt":
        return sorted(loss for loss in searcher.trials.losses() if loss is not None)
    return sorted(-searcher.optimizer.space.target)


@pytest.mark.parametrize("name", NAMES_SLOW_BAYES)
def test_resume_errored_reruns_failed_trials_and_the_library_learns_their_results(name, tmp_path):
    flag = tmp_path / "fail"
    flag.write_text("1")

    def flaky(config):
        report(loss=config["a"])
        if flag.exists() and config["a"] > 0.5:
            raise RuntimeError("flaky")
        report(loss=config["a"] / 2)

    def go(searcher, **kwargs):
        return hpo_core.run(flaky, {"a": uniform(0, 1)}, search_alg=searcher, num_samples=8, metric="loss",
                            mode="min", seed=5, executor=SerialExecutor(), storage_path=tmp_path, name=name,
                            verbose=0, raise_on_failed_trial=False, **kwargs)

    first = go(MAKERS[name]())
    failed = {t.trial_id: t.config for t in first.trials if t.status is TrialStatus.ERROR}
    assert failed
    flag.unlink()
    searcher = MAKERS[name]()
    again = go(searcher, resume="ERRORED")
    assert {t.trial_id: t.config for t in again.trials if t.trial_id in failed} == failed  # same configs rerun
    assert all(t.status is TrialStatus.TERMINATED for t in again.trials)
    assert _told_losses(name, searcher) == pytest.approx(sorted(t.last_result["loss"] for t in again.trials))
    rerun = min(failed)
    searcher.on_trial_complete(rerun, {"loss": 123.0})  # a rerun is learned once, then no longer pending
    assert _told_losses(name, searcher) == pytest.approx(sorted(t.last_result["loss"] for t in again.trials))
