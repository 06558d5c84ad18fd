"""Defects that Ray Tune's own unit tests found, ported onto asktell's public API (issue 13, defects 1, 2, 4-8)."""
from __future__ import annotations

import importlib

import numpy as np
import pytest

from hpo_core import (
    AsktellTypeError,
    AsktellValueError,
    ConcurrencyLimiter,
    Decision,
    Experiment,
    Space,
    TrialStatus,
    choice,
    sample_from,
    uniform,
)
from hpo_core.schedulers import HyperBandScheduler, PopulationBasedTraining
from hpo_core.schedulers.pbt import explore
from hpo_core.trainables import Trainable


# --- 1. a choice between domains samples the chosen domain ----------------------------------------------------------
def test_choice_of_domains_samples_the_chosen_domain():
    space = Space({"x": choice([uniform(0, 1), uniform(5, 6)])})
    rng = np.random.default_rng(0)
    values = [space.sample(rng)["x"] for _ in range(40)]
    assert all(isinstance(v, float) for v in values)
    assert any(0 <= v < 1 for v in values) and any(5 <= v < 6 for v in values)


# --- 2. sample_from takes functions of no arguments ---------------------------------------------------------------
def test_sample_from_accepts_a_function_without_arguments():
    space = Space({"a": sample_from(lambda: 7), "b": sample_from(lambda spec: spec.config.a + 1)})
    assert space.sample(np.random.default_rng(0)) == {"a": 7, "b": 8}


# --- 4. HyperBand stops a survivor that already reached max_t -------------------------------------------------------
def test_hyperband_does_not_resume_a_survivor_that_reached_max_t():
    # max_t=4, eta=2: bracket 0 takes 3 trials straight to t=4; bracket 1 takes 3 trials with a first milestone of 2
    exp = Experiment({"x": uniform(0, 1)}, metric="score", mode="max", num_samples=6, seed=0,
                     scheduler=HyperBandScheduler(time_attr="t", max_t=4, reduction_factor=2))
    ids = [exp.ask().trial_id for _ in range(6)]
    for trial_id in ids[:3]:
        assert exp.tell(trial_id, {"t": 4, "score": 0.0}) is Decision.STOP
    ahead, slow, last = ids[3:]
    assert exp.tell(ahead, {"t": 4, "score": 10.0}) is Decision.PAUSE  # jumped past max_t, waits for its bracket
    assert exp.tell(slow, {"t": 2, "score": 1.0}) is Decision.PAUSE
    assert exp.tell(last, {"t": 2, "score": 5.0}) is Decision.CONTINUE  # top 2 of 3 survive: ahead and last
    resumed = exp.ask()
    assert resumed is None or resumed.trial_id != ahead
    assert exp.trials[ahead].status is TrialStatus.TERMINATED
    assert exp.trials[slow].status is TrialStatus.TERMINATED
    assert exp.tell(last, {"t": 4, "score": 6.0}) is Decision.STOP


# --- 5. PBT resamples sample_from mutations, refuses what it cannot resample ------------------------------------------
def test_pbt_resamples_a_sample_from_mutation():
    rng = np.random.default_rng(0)
    mutations = {"x": sample_from(lambda: 100.0), "y": sample_from(lambda spec: spec.config.x * 2)}
    PopulationBasedTraining(perturbation_interval=1, hyperparam_mutations=mutations)  # accepted ...
    new = explore({"x": 1.0, "y": "old"}, mutations, rng, resample_probability=1.0, perturbation_factors=(1.2, 0.8))
    assert new == {"x": 100.0, "y": 200.0}  # ... and resampled, the second from the explored config


def test_pbt_refuses_mutations_it_cannot_resample():
    with pytest.raises(AsktellTypeError, match="without arguments"):
        PopulationBasedTraining(perturbation_interval=1, hyperparam_mutations={"x": lambda config: 1.0})
    from hpo_core import grid_search

    with pytest.raises(AsktellValueError, match="grid_search"):
        PopulationBasedTraining(perturbation_interval=1, hyperparam_mutations={"x": grid_search([1, 2])})


# --- 6. ConcurrencyLimiter wraps a multi-objective searcher ---------------------------------------------------------
def test_concurrency_limiter_wraps_a_multi_objective_optuna_search():
    optuna_adapter = pytest.importorskip("hpo_adapters.optuna")
    inner = optuna_adapter.OptunaSearch(metric=["loss", "gain"], mode=["min", "max"], seed=0)
    limiter = ConcurrencyLimiter(inner, max_concurrent=2)
    assert limiter.metric == ["loss", "gain"] and limiter.mode == ["min", "max"]
    exp = Experiment({"x": uniform(0, 1)}, num_samples=3, search_alg=limiter, seed=0)
    first, second = exp.ask(), exp.ask()
    assert exp.ask() is None  # the limit holds
    exp.tell(first.trial_id, {"loss": 1.0, "gain": 2.0})
    exp.complete(first.trial_id)
    assert exp.ask() is not None
    assert second is not None


# --- 7. every scheduler submodule path of Ray Tune imports ------------------------------------------------------------
@pytest.mark.parametrize("module, name", [
    ("schedulers.pb2", "PB2"), ("schedulers.pbt", "PopulationBasedTraining"),
    ("schedulers.async_hyperband", "ASHAScheduler"), ("schedulers.hyperband", "HyperBandScheduler"),
    ("schedulers.median_stopping_rule", "MedianStoppingRule"), ("schedulers.trial_scheduler", "FIFOScheduler"),
    ("logger", "LoggerCallback"), ("result", "SHOULD_CHECKPOINT"), ("stopper", "TrialPlateauStopper"),
])
def test_ray_tune_submodule_paths_import(module, name):
    pytest.importorskip("ray")
    found = getattr(importlib.import_module(f"hpo_ray.tune.{module}"), name)
    assert found is not None
    if module.startswith("schedulers."):
        assert found is getattr(importlib.import_module("hpo_core.schedulers"), name)


# --- 8. smaller gaps in Ray Tune's vocabulary -------------------------------------------------------------------------
def test_trainable_training_iteration_and_trial_has_checkpoint_method():
    class Counter(Trainable):
        def step(self):
            return {"n": self.training_iteration}

    counter = Counter({})
    counter.iteration = 3
    assert counter.training_iteration == 3

    exp = Experiment({"x": 1}, metric="n", mode="max", seed=0)
    suggestion = exp.ask()
    trial = exp.trials[suggestion.trial_id]
    assert trial.has_checkpoint() is False
    exp.tell(suggestion.trial_id, {"n": 1}, checkpoint={"state": 1})
    assert trial.has_checkpoint() is True


def test_pbt_accepts_log_config():
    scheduler = PopulationBasedTraining(perturbation_interval=1, hyperparam_mutations={"x": [1, 2]}, log_config=False)
    assert scheduler.log_config is False


def test_points_to_evaluate_with_grid_search_count_trials_as_ray_does():
    """Ray Tune's own case: each point is one sample, grid-searched over the grid variables it leaves open."""
    from hpo_core import BasicVariantGenerator, grid_search

    space = {"grid_1": grid_search(["a", "b", "c", "d"]), "grid_2": grid_search(["x", "y", "z"]),
             "nested": {"random": uniform(2.0, 10.0),
                        "dependent": sample_from(lambda spec: -1.0 * spec.config.nested.random)}}
    points = [{"grid_1": "b"}, {"grid_2": "z"}, {"grid_1": "a", "grid_2": "y"}, {"nested": {"random": 8.0}}]
    exp = Experiment(space, num_samples=6, search_alg=BasicVariantGenerator(points_to_evaluate=points), seed=0)
    configs = []
    while (suggestion := exp.ask()) is not None:
        configs.append(suggestion.config)
        exp.tell(suggestion.trial_id, {"m": 1.0})
        exp.complete(suggestion.trial_id)
    assert len(configs) == 1 * 3 + 1 * 4 + 1 + 3 * 12  # 44, not 6 * 12
    assert all(c["grid_1"] == "b" for c in configs[0:3])
    assert all(c["grid_2"] == "z" for c in configs[3:7])
    assert (configs[7]["grid_1"], configs[7]["grid_2"]) == ("a", "y")
    assert configs[8]["nested"] == {"random": 8.0, "dependent": -8.0}
