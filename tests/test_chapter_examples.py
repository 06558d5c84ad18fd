"""Every chapter example, run in smoke mode on the session's Ray instance, with its output checked.

The examples import `maze` (and one another) from `examples/`. A script run as `python examples/x.py` has that
folder as its script directory, which Ray hands to its workers; here the folder goes on `sys.path` and on
`PYTHONPATH` at import time, before the session's `ray.init`, so the workers Ray starts can import them too.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(EXAMPLES), os.environ.get("PYTHONPATH")]))

pytestmark = [pytest.mark.ray, pytest.mark.slow]


def needs(*modules: str):
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    return pytest.mark.skipif(bool(missing), reason=f"needs {missing}")


@pytest.fixture
def example(ray_cluster, tmp_path, monkeypatch):
    """Run `examples/<name>.py`'s `main(smoke=True)`; returns (what main returned, printed text)."""
    monkeypatch.setenv("ASKTELL_STORAGE_PATH", str(tmp_path))

    def run(name: str, capsys, **kwargs):
        namespace = runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name=f"example_{name}")
        returned = namespace["main"](smoke=True, **kwargs)
        return returned, capsys.readouterr().out

    return run


def test_5_01_ray_tasks_sort_by_steps_to_goal(example, capsys):
    from maze import Environment

    results, out = example("ch05_01_ray_tasks", capsys)
    scores = [score for score, _ in results]
    assert len(results) == 10 and scores == sorted(scores)
    assert scores[0] == Environment().shortest_path  # the best run walks the 8-step shortest path
    assert f"best: {results[0]!r}" in out


def test_5_04_tune_run_random_search(example, capsys):
    analysis, out = example("ch05_04_tune_run", capsys)
    assert len(analysis.trials) == 10
    best = analysis.get_best_config(metric="score", mode="min")
    assert 0 <= best["weight"] <= 1 and 0 <= best["discount_factor"] <= 1
    assert min(t.last_result["score"] for t in analysis.trials) == 8
    assert "best config: {'weight'" in out


@needs("bayes_opt")
def test_5_07_bayesopt_search(example, capsys):
    analysis, out = example("ch05_07_bayesopt", capsys)
    assert len(analysis.trials) == 6
    assert all(0 <= t.config["weight"] <= 1 for t in analysis.trials)
    assert f"best score: {analysis.best_result['score']}" in out


def test_5_08_hyperband_stops_some_trials_early(example, capsys):
    analysis, out = example("ch05_08_hyperband", capsys)
    iterations = [t.last_result["training_iteration"] for t in analysis.trials]
    assert len(iterations) == 10 and max(iterations) == 30 and min(iterations) < 30
    best = analysis.get_best_config(metric="score", mode="min")
    finals = {t.trial_id: t.last_result["score"] for t in analysis.trials}
    assert best == next(t.config for t in analysis.trials if finals[t.trial_id] == min(finals.values()))
    assert "best config:" in out


def test_5_10_callback_lines_and_pretty_print(example, capsys):
    analysis, out = example("ch05_10_callbacks", capsys)
    lines = re.findall(r"Trial (objective_\d+) in iteration \d+, got result: ([\d.]+)", out)
    assert len(lines) == 2 * 30  # one line per result of each of the 2 trials
    best = analysis.best_trial.last_result
    assert f"score: {best['score']}" in out and "more_metrics: {}" in out and "step: 29" in out


def test_5_12_resume_keeps_finished_trials(example, capsys):
    analysis, out = example("ch05_12_resume", capsys)
    assert "interrupted; experiment folder:" in out
    assert len(analysis.trials) == 4
    assert all(t.last_result["training_iteration"] == 30 for t in analysis.trials)
    restarted = int(re.search(r"(\d+) \(re\)started by the resumed run", out).group(1))
    assert restarted <= 2, "the two trials finished before the interruption must not run again"


def test_5_13_stop_dict_function_and_class(example, capsys):
    (by_dict, by_function, by_class), out = example("ch05_13_stopping", capsys)
    assert [t.last_result["training_iteration"] for t in by_dict.trials] == [10] * 3
    assert [t.last_result["training_iteration"] for t in by_function.trials] == [1] * 3  # score < 2 at step 0
    # two trials passed the limit, then stop_all() ended the experiment: a trial already started (Ray streams
    # results, so the next trial may start before the second stop is told) is stopped, not run to its end
    over = [t for t in by_class.trials if t.last_result["score"] > 2.5]
    assert len(over) == 2 and all(t.last_result["training_iteration"] < 30 for t in by_class.trials)
    assert "function stop, iterations: [1, 1, 1]" in out


def test_5_15_bias_is_weight_times_a_normal(example, capsys):
    analysis, out = example("ch05_15_conditional_space", capsys)
    ratios = [t.config["bias"] / t.config["weight"] for t in analysis.trials]
    assert len(set(ratios)) == 4 and all(abs(r) < 6 for r in ratios)
    assert out.count("bias/weight=") == 4


def test_resources_fractional_gpus_and_max_concurrent(example, capsys):
    if ray_gpus() < 1:
        pytest.skip("the session's Ray declares no GPUs")
    analysis, out = example("ch05_resources", capsys)
    gpus = {int(t.last_result["gpu"]) for t in analysis.trials}
    assert gpus and gpus <= {0, 1}  # every trial got a (logical) GPU
    peak = int(re.search(r"peak concurrent trials: (\d+)", out).group(1))
    assert 1 <= peak <= 2


def ray_gpus() -> float:
    import ray

    return ray.cluster_resources().get("GPU", 0)


def test_class_trainable_by_registered_name(example, capsys):
    analysis, out = example("ch05_class_trainable", capsys)
    assert all(str(t).startswith("QLearning_") for t in analysis.trials)
    iterations = [t.last_result.get("training_iteration", 0) for t in analysis.trials]
    assert max(iterations) == 9 and min(iterations) < 9  # HyperBand ended some trials early
    assert analysis.best_result["score"] <= min(t.results[0]["score"] for t in analysis.trials)
    assert f"best trial {analysis.best_trial}:" in out


@needs("torch")
def test_pytorch_loop_checkpoints_and_pbt(example, capsys):
    analysis, out = example("ch05_pytorch", capsys)
    best = analysis.best_result
    assert best["training_iteration"] == 4 and 0.5 < best["mean_accuracy"] <= 1
    from hpo_ray import RayCheckpoint

    saved = [t.checkpoint.load() for t in analysis.trials]  # a finished trial's checkpoint lives on disk
    checkpoints = [c.get() if isinstance(c, RayCheckpoint) else c for c in saved]
    assert all(c is not None and c["epoch"] == 3 and "model" in c for c in checkpoints)  # the state of epoch 4
    assert "best mean_accuracy:" in out


@needs("keras", "torch", "hyperopt")
def test_5_17_keras_hyperopt_with_report_callback(example, capsys):
    analysis, out = example("ch05_17_keras_hyperopt", capsys)
    first = analysis.trials[0]
    assert {k: first.config[k] for k in ("rate", "hidden", "activation")} == {
        "rate": 0.2, "hidden": 128, "activation": "relu"}  # points_to_evaluate comes first
    assert all(0 < r["mean_accuracy"] <= 1 for t in analysis.trials for r in t.results)
    assert all(len(t.results) == 3 or t.last_result["mean_accuracy"] >= 0.99 for t in analysis.trials)
    assert "Best hyperparameters found were:" in out


@needs("ray.rllib", "torch", "gymnasium")
def test_5_16_rllib_dqn_by_name(example, capsys):
    analysis, out = example("ch05_16_rllib_dqn", capsys)
    (trial,) = analysis.trials
    assert str(trial).startswith("DQN_") and trial.last_result["training_iteration"] == 1
    assert trial.last_result["episode_reward_mean"] == trial.last_result["env_runners/episode_return_mean"] > 0
    assert 1e-5 <= trial.config["lr"] <= 1e-4
    assert "episode_reward_mean=" in out


@needs("sklearn")
def test_sklearn_example_as_a_script():
    """One example through its command line (`python examples/<name>.py --smoke`), in a fresh interpreter."""
    done = subprocess.run([sys.executable, str(EXAMPLES / "ch05_sklearn.py"), "--smoke"], capture_output=True,
                          text=True, timeout=300, check=True)
    accuracy = float(re.search(r"best cross-validated accuracy: ([\d.]+)", done.stdout).group(1))
    epochs = json.loads(re.search(r"epochs per trial: (\[.*\])", done.stdout).group(1))
    assert 0.8 < accuracy <= 1 and len(epochs) == 4 and max(epochs) == 8 and min(epochs) < 8
