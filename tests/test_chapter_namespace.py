"""The chapter's `tune` namespace, class trainables and the trainable registry (no Ray: SerialExecutor)."""
from __future__ import annotations

import importlib

import numpy as np
import pytest

import hpo_core
from hpo_core.enums import TrialStatus
from hpo_core.errors import AsktellTypeError, AsktellValueError
from hpo_core.executors.serial import SerialExecutor
from hpo_core.space import Space
from hpo_core.trainables import ClassCheckpoint, resolve_trainable
from hpo_ray import tune
from hpo_ray.tune.rllib import flatten_result


@pytest.fixture(autouse=True)
def _storage(tmp_path, monkeypatch):
    monkeypatch.setenv("ASKTELL_STORAGE_PATH", str(tmp_path))


def run_serial(trainable, **kwargs):
    kwargs.setdefault("verbose", 0)
    return tune.run(trainable, executor=SerialExecutor(), **kwargs)


# --- the chapter's import paths -----------------------------------------------------------------------------------
@pytest.mark.parametrize("module, name, target", [
    ("hpo_ray.tune.schedulers", "HyperBandScheduler", "hpo_core.schedulers"),
    ("hpo_ray.tune.schedulers", "ASHAScheduler", "hpo_core.schedulers"),
    ("hpo_ray.tune.schedulers", "AsyncHyperBandScheduler", "hpo_core.schedulers"),
    ("hpo_ray.tune.schedulers", "MedianStoppingRule", "hpo_core.schedulers"),
    ("hpo_ray.tune.schedulers", "PopulationBasedTraining", "hpo_core.schedulers"),
    ("hpo_ray.tune.schedulers", "PB2", "hpo_core.schedulers"),
    ("hpo_ray.tune.schedulers", "FIFOScheduler", "hpo_core.schedulers"),
    ("hpo_ray.tune.search.bayesopt", "BayesOptSearch", "hpo_adapters.bayesopt"),
    ("hpo_ray.tune.search.hyperopt", "HyperOptSearch", "hpo_adapters.hyperopt"),
    ("hpo_ray.tune.search.optuna", "OptunaSearch", "hpo_adapters.optuna"),
    ("hpo_ray.tune.suggest.bayesopt", "BayesOptSearch", "hpo_adapters.bayesopt"),
    ("hpo_ray.tune.suggest.hyperopt", "HyperOptSearch", "hpo_adapters.hyperopt"),
    ("hpo_ray.tune.suggest.optuna", "OptunaSearch", "hpo_adapters.optuna"),
    ("hpo_ray.tune.search", "ConcurrencyLimiter", "hpo_core.searchers"),
    ("hpo_ray.tune.suggest", "BasicVariantGenerator", "hpo_core.searchers"),
    ("hpo_ray.tune.logger", "pretty_print", "hpo_core.loggers"),
    ("hpo_ray.tune", "Callback", "hpo_core.callbacks"),
    ("hpo_ray.tune", "Stopper", "hpo_core.stoppers"),
    ("hpo_ray.tune", "report", "hpo_core.session"),
])
def test_chapter_import_paths_are_asktell_objects(module, name, target):
    alias = getattr(importlib.import_module(module), name)
    assert alias is getattr(importlib.import_module(target), name)


def test_tune_has_every_space_primitive_and_run():
    names = ["uniform", "quniform", "loguniform", "qloguniform", "randn", "qrandn", "randint", "qrandint",
             "lograndint", "qlograndint", "choice", "grid_search", "sample_from"]
    for name in names:
        assert getattr(tune, name) is getattr(hpo_core, name)
    assert callable(tune.run) and tune.with_parameters and tune.register_trainable
    with pytest.raises(AttributeError, match="no attribute 'NoSuchThing'"):
        tune.NoSuchThing  # noqa: B018
    with pytest.raises(AttributeError, match="NoSuchScheduler"):
        importlib.import_module("hpo_ray.tune.schedulers").NoSuchScheduler  # noqa: B018


# --- tune.run with the chapter's arguments ------------------------------------------------------------------------
def test_report_kwargs_and_dict_and_grid_search():
    def objective(config):
        tune.report(score=config["x"], step=0, more_metrics={})
        tune.report({"score": config["x"] + 1, "step": 1})

    analysis = run_serial(objective, config={"x": tune.grid_search([1, 2, 3])}, metric="score", mode="min")
    assert sorted(t.config["x"] for t in analysis.trials) == [1, 2, 3]
    for trial in analysis.trials:
        assert [r["score"] for r in trial.results] == [trial.config["x"], trial.config["x"] + 1]
        assert trial.results[0]["more_metrics"] == {}
    assert analysis.get_best_config(metric="score", mode="min") == {"x": 1}


def test_stop_dict_function_and_stopper_class():
    def objective(config):
        for step in range(30):
            tune.report(score=config["w"] * step ** 0.5 + config["b"])

    space = {"w": tune.uniform(0, 1), "b": tune.uniform(0, 1)}
    by_dict = run_serial(objective, config=space, num_samples=3, stop={"training_iteration": 10}, seed=1)
    assert [t.last_result["training_iteration"] for t in by_dict.trials] == [10, 10, 10]

    by_fn = run_serial(objective, config=space, num_samples=3, stop=lambda trial_id, r: r["score"] > 1.5, seed=1)
    for trial in by_fn.trials:
        scores = [r["score"] for r in trial.results]
        assert all(s <= 1.5 for s in scores[:-1]) and (scores[-1] > 1.5 or len(scores) == 30)

    class AfterTwo(tune.Stopper):
        def __init__(self):
            self.seen = 0

        def __call__(self, trial_id, result):
            self.seen += 1
            return self.seen % 2 == 0

    by_class = run_serial(objective, config=space, num_samples=2, stop=AfterTwo(), seed=1)
    assert [t.last_result["training_iteration"] for t in by_class.trials] == [2, 2]


def test_sample_from_reads_context_config_and_typo_names_the_key():
    space = {
        "weight": tune.sample_from(lambda context: np.random.uniform(low=0.0, high=1.0)),
        "bias": tune.sample_from(lambda context: context.config.weight * np.random.normal()),
        "spec_style": tune.sample_from(lambda spec: spec.config.weight * 2),
    }
    rng = np.random.default_rng(0)
    configs = [Space(space).sample(rng) for _ in range(20)]
    ratios = {round(c["bias"] / c["weight"], 9) for c in configs}
    assert len(ratios) == 20  # bias = weight * an independent normal draw
    assert all(c["spec_style"] == 2 * c["weight"] for c in configs)
    typo = {"weight": tune.uniform(0, 1), "bias": tune.sample_from(lambda context: context.config.alpha)}
    with pytest.raises((KeyError, AttributeError), match="alpha"):
        Space(typo).sample(rng)


def test_with_parameters_passes_objects_to_function_and_class():
    data = np.arange(5)

    def objective(config, data):
        return {"total": float(data.sum()) * config["k"]}

    analysis = run_serial(tune.with_parameters(objective, data=data), config={"k": 2})
    assert analysis.trials[0].last_result["total"] == 20.0
    assert str(analysis.trials[0]).startswith("objective_")

    class Summer(tune.Trainable):
        def setup(self, config, data):
            self.data = data

        def step(self):
            return {"total": float(self.data.sum()), "done": True}

    analysis = run_serial(tune.with_parameters(Summer, data=data))
    assert analysis.trials[0].last_result["total"] == 10.0


def test_local_dir_is_storage_path_and_ray_only_settings_warn(tmp_path):
    with pytest.warns(UserWarning, match="reuse_actors"):
        analysis = run_serial(lambda config: {"x": 1}, local_dir=str(tmp_path / "old"), name="exp", reuse_actors=True)
    assert analysis.trials[0].last_result["x"] == 1
    assert (tmp_path / "old" / "exp").is_dir()


# --- class trainables and the registry ----------------------------------------------------------------------------
class Counter(tune.Trainable):
    """Adds config["step"] per step; keeps its total in a checkpoint file and a dict entry."""

    def setup(self, config):
        self.total = 0.0
        self.restored_from = None

    def step(self):
        self.total += self.config["step"]
        return {"total": self.total, "restored_from": self.restored_from or 0}

    def save_checkpoint(self, checkpoint_dir):
        with open(f"{checkpoint_dir}/total.txt", "w") as handle:
            handle.write(repr(self.total))
        # returns None, so load_checkpoint receives the folder

    def load_checkpoint(self, checkpoint):
        with open(f"{checkpoint}/total.txt") as handle:
            self.total = float(handle.read())
        self.restored_from = self.iteration or -1


def test_class_trainable_checkpoints_and_resumes_under_hyperband():
    from hpo_core.schedulers import HyperBandScheduler

    tune.register_trainable("Counter", Counter)
    analysis = run_serial("Counter", config={"step": tune.uniform(0.5, 1.5)}, num_samples=6, metric="total",
                          mode="max", scheduler=HyperBandScheduler(max_t=9), stop={"training_iteration": 9}, seed=3)
    assert all(str(t).startswith("Counter_") for t in analysis.trials)
    resumed = [t for t in analysis.trials if any(r["restored_from"] for r in t.results)]
    assert resumed, "synchronous HyperBand pauses trials; resuming must go through load_checkpoint"
    for trial in analysis.trials:  # the total continues across pauses: step * iteration, never restarted
        last = trial.last_result
        assert last["total"] == pytest.approx(trial.config["step"] * last["training_iteration"])
        saved = trial.checkpoint.load()  # a finished trial's checkpoint lives on disk, loaded on demand
        assert isinstance(saved, ClassCheckpoint) and "total.txt" in saved.files


def test_core_run_takes_a_trainable_class_and_a_registered_name():
    from hpo_core.trainables import register_trainable

    by_class = hpo_core.run(Counter, config={"step": 2.0}, stop={"training_iteration": 3}, executor=SerialExecutor(),
                            verbose=0)
    assert by_class.trials[0].last_result["total"] == 6.0 and str(by_class.trials[0]).startswith("Counter_")
    register_trainable("CoreCounter", Counter)
    by_name = hpo_core.run("CoreCounter", config={"step": 1.0}, stop={"training_iteration": 2},
                           executor=SerialExecutor(), verbose=0)
    assert by_name.trials[0].last_result["total"] == 2.0


def test_class_trainable_done_ends_trial_and_bad_step_fails_it():
    class Three(tune.Trainable):
        def step(self):
            return {"x": self.iteration, "done": self.iteration == 2}

    assert run_serial(Three).trials[0].last_result["training_iteration"] == 3

    class Bad(tune.Trainable):
        def step(self):
            return 3.0

    analysis = run_serial(Bad, raise_on_failed_trial=False)
    assert analysis.trials[0].status is TrialStatus.ERROR and "must return a dict" in analysis.trials[0].error


def test_registry_errors_name_the_value():
    with pytest.raises(AsktellValueError, match="NoSuchTrainable"):
        resolve_trainable("NoSuchTrainable")
    with pytest.raises(AsktellTypeError, match="name"):
        tune.register_trainable("", lambda c: None)
    with pytest.raises(AsktellTypeError, match="int"):
        tune.register_trainable("x", int)
    with pytest.raises(AsktellTypeError, match="42"):
        tune.run(42)


def test_rllib_results_are_flattened_with_old_names():
    flat = flatten_result({"env_runners": {"episode_return_mean": 21.5, "hist": [1, 2]}, "config": {"lr": 1},
                           "info": {"learner": {"loss": np.float32(0.5)}}, "timers": {"nan": float("nan")}})
    assert flat["env_runners/episode_return_mean"] == flat["episode_reward_mean"] == 21.5
    assert flat["info/learner/loss"] == 0.5
    assert "config/lr" not in flat and "env_runners/hist" not in flat and "timers/nan" not in flat
