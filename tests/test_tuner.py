"""`Tuner` / `TuneConfig` / `RunConfig` / `ResultGrid` / `Checkpoint` / `get_context` without Ray (serial executor),
and the library-native search spaces of the adapters."""
from __future__ import annotations

import json
import os
import tempfile

import pytest

from hpo_core import AsktellTypeError, AsktellValueError, SerialExecutor, report, uniform
from hpo_core.checkpoint import Checkpoint
from hpo_core.result_grid import TrialError
from hpo_core.session import get_checkpoint, get_context
from hpo_core.tune_config import CheckpointConfig, FailureConfig, RunConfig, TuneConfig
from hpo_core.tuner import Tuner


def counting(config):
    """Reports steps 1..4 with a checkpoint folder holding the step; resumes from the folder it is given."""
    step = 0
    checkpoint = get_checkpoint()
    if checkpoint is not None:
        with checkpoint.as_directory() as folder, open(os.path.join(folder, "state.json")) as handle:
            step = json.load(handle)["step"]
    while step < 4:
        step += 1
        if config.get("fail_at") == step and not os.path.exists(config["marker"]):
            open(config["marker"], "w").close()
            raise RuntimeError("first run fails here")
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(folder, "state.json"), "w") as handle:
                json.dump({"step": step}, handle)
            context = get_context()
            report({"loss": config["x"] * step, "trial": context.get_trial_id(), "at": context.iteration},
                   checkpoint=Checkpoint.from_directory(folder))


def make_tuner(space, **run) -> Tuner:
    return Tuner(counting, param_space=space, executor=SerialExecutor(),
                 tune_config=TuneConfig(metric="loss", mode="min", num_samples=3, seed=0),
                 run_config=RunConfig(verbose=0, **run))


def test_fit_returns_a_result_grid_with_ray_tunes_accessors():
    grid = make_tuner({"x": uniform(0, 1)}, name="grid").fit()
    assert len(grid) == 3 and grid.num_terminated == 3 and grid.num_errors == 0 and grid.errors == []
    best = grid.get_best_result()
    assert best.metrics["loss"] == min(r.metrics["loss"] for r in grid)
    assert best.config == best.metrics["config"]
    assert grid.get_best_result(mode="max").metrics["loss"] == max(r.metrics["loss"] for r in grid)
    assert [r.metrics["training_iteration"] for r in grid] == [4, 4, 4]
    assert list(best.metrics_dataframe["at"]) == [0, 1, 2, 3]  # get_context().iteration: reports made before
    assert all(r.metrics["trial"] == r.trial.trial_id for r in grid)
    assert os.path.isdir(best.path) and best.path.startswith(grid.experiment_path)
    assert grid.get_dataframe().shape[0] == 3
    assert len(grid.get_dataframe(filter_metric="loss", filter_mode="max")) == 3
    with best.checkpoint.as_directory() as folder, open(os.path.join(folder, "state.json")) as handle:
        assert json.load(handle) == {"step": 4}
    assert Tuner.can_restore(grid.experiment_path)


def test_checkpoint_config_keeps_the_best_checkpoints_as_folders():
    grid = make_tuner({"x": uniform(0, 1)}, name="kept",
                      checkpoint_config=CheckpointConfig(num_to_keep=2, checkpoint_score_attribute="loss",
                                                         checkpoint_score_order="min")).fit()
    for result in grid:
        kept = result.best_checkpoints  # loss = x * step grows: step 1 (the lowest) and step 4 (the newest) stay
        assert [r["training_iteration"] for _, r in kept] == [1, 4]
        folders = sorted(f for f in os.listdir(result.path) if os.path.isdir(os.path.join(result.path, f)))
        assert folders == ["checkpoint_000001", "checkpoint_000004"]
        with open(os.path.join(kept[0][0].path, "state.json")) as handle:
            assert json.load(handle) == {"step": 1}


def test_get_best_result_skips_nan_and_inf_unless_asked():
    values = iter([float("nan"), 2.0, float("inf")])
    tuner = Tuner(lambda config: {"loss": next(values)}, executor=SerialExecutor(),
                  tune_config=TuneConfig(metric="loss", mode="max", num_samples=3),
                  run_config=RunConfig(verbose=0))
    grid = tuner.fit()
    assert grid.get_best_result().metrics["loss"] == 2.0
    assert grid.get_best_result(filter_nan_and_inf=False).metrics["loss"] == float("inf")


def test_a_bare_number_is_reported_as_the_default_metric():
    grid = Tuner(lambda config: config["x"] * 2, param_space={"x": 3}, executor=SerialExecutor(),
                 run_config=RunConfig(verbose=0)).fit()
    assert grid[0].metrics["_metric"] == 6


def test_failed_trials_are_in_the_grid_and_restore_runs_them_again(tmp_path):
    space = {"x": uniform(1, 2), "fail_at": 3, "marker": str(tmp_path / "failed-once")}
    grid = make_tuner(space, name="failing").fit()  # every trial: the first one to reach step 3 fails
    assert grid.num_errors == 1 and isinstance(grid.errors[0], TrialError)
    assert "first run fails here" in str(grid.errors[0])
    restored = Tuner.restore(grid.experiment_path, counting, resume_errored=True, executor=SerialExecutor())
    again = restored.fit()
    assert again.num_errors == 0 and again.num_terminated == 3
    assert again.experiment_path == grid.experiment_path
    for result in again:  # the failed trial went on from its step-2 checkpoint folder: no step is made twice
        assert list(result.metrics_dataframe["training_iteration"]) == [1, 2, 3, 4]


def test_fail_fast_raise_and_a_reused_name_keep_both_runs(tmp_path):
    space = {"x": uniform(1, 2), "fail_at": 2, "marker": str(tmp_path / "once")}
    tuner = Tuner(counting, param_space=space, executor=SerialExecutor(),
                  tune_config=TuneConfig(metric="loss", mode="min", num_samples=2, seed=0),
                  run_config=RunConfig(name="same", verbose=0, failure_config=FailureConfig(fail_fast="raise")))
    with pytest.raises(Exception, match="failed"):
        tuner.fit()
    second = make_tuner({"x": uniform(0, 1)}, name="same").fit()
    assert os.path.basename(second.experiment_path).startswith("same_")  # a fresh folder beside the first


def test_fail_fast_ends_the_experiment_after_the_first_failure(tmp_path):
    space = {"x": uniform(1, 2), "fail_at": 2, "marker": str(tmp_path / "once")}
    grid = Tuner(counting, param_space=space, executor=SerialExecutor(),
                 tune_config=TuneConfig(metric="loss", mode="min", num_samples=5, seed=0),
                 run_config=RunConfig(verbose=0, failure_config=FailureConfig(fail_fast=True))).fit()
    assert grid.num_errors == 1
    assert len(grid) == 2  # the next trial stopped at its first result; the other three never started
    assert grid[1].metrics["training_iteration"] == 1


def test_configs_refuse_bad_values_where_they_enter():
    with pytest.raises(AsktellValueError, match="num_samples"):
        TuneConfig(num_samples=0.5)
    with pytest.raises(AsktellValueError, match="max_failures"):
        FailureConfig(max_failures=-2)
    with pytest.raises(AsktellValueError, match="checkpoint_score_order"):
        CheckpointConfig(checkpoint_score_order="best")
    with pytest.raises(AsktellTypeError, match="failure_config"):
        RunConfig(failure_config={"max_failures": 1})
    with pytest.raises(AsktellTypeError, match="param_space"):
        Tuner(counting, param_space=[1, 2])
    with pytest.raises(AsktellValueError, match="holds no experiment"):
        Tuner.restore(tempfile.mkdtemp(), counting)
    with pytest.raises(AsktellValueError, match="outside a trial"):
        get_context()


def test_checkpoint_copies_the_folder_and_unpacks_anywhere(tmp_path):
    source = tmp_path / "source"
    (source / "sub").mkdir(parents=True)
    (source / "sub" / "weights.bin").write_bytes(b"\x00\x01")
    checkpoint = Checkpoint.from_directory(source)
    (source / "sub" / "weights.bin").unlink()  # read when made: the folder may go
    import cloudpickle

    travelled = cloudpickle.loads(cloudpickle.dumps(checkpoint))
    target = travelled.to_directory(tmp_path / "target")
    assert (tmp_path / "target" / "sub" / "weights.bin").read_bytes() == b"\x00\x01"
    assert target == str(tmp_path / "target")
    with travelled.as_directory() as folder:
        assert os.listdir(folder) == ["sub"]
    assert not os.path.exists(folder)
    with pytest.raises(AsktellValueError, match="existing folder"):
        Checkpoint.from_directory(tmp_path / "missing")


def test_cli_reporter_shows_its_metric_columns():
    ray_tune = pytest.importorskip("hpo_ray.tune")
    import io

    stream = io.StringIO()
    reporter = ray_tune.CLIReporter(metric_columns=["acc"])
    reporter.stream = stream
    grid = Tuner(lambda config: {"loss": 1.0, "acc": 0.75}, executor=SerialExecutor(),
                 tune_config=TuneConfig(metric="loss", mode="min"),
                 run_config=RunConfig(verbose=2, progress_reporter=reporter)).fit()
    assert len(grid) == 1
    assert "loss=1" in stream.getvalue() and "acc=0.75" in stream.getvalue()
