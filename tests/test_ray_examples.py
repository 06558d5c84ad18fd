"""Acceptance: Ray Tune's own example scripts (from the installed `ray` package) run on asktell with only their
imports switched (see tests/ray_examples.py), at the size their `--smoke-test` flag gives."""
from __future__ import annotations

import functools
import sys

import pytest
from ray_examples import examples_dir, run_example

pytestmark = [pytest.mark.slow, pytest.mark.ray]

# every example of ray/tune/examples that runs offline with the installed packages (optuna_multiobjective_example
# is issue 15's; the rest need downloads or libraries asktell does not wrap: see README "Porting from Ray Tune")
EXAMPLES = [
    "async_hyperband_example",
    "bayesopt_example",
    "custom_checkpointing_with_callback",
    "custom_func_checkpointing",
    "hyperband_example",
    "hyperband_function_example",
    "hyperopt_conditional_search_space_example",
    "logging_example",
    "optuna_define_by_run_example",
    "optuna_example",
    "pb2_example",
    "pbt_example",
    "pbt_function",
    "tune_basic_example",
]


@pytest.fixture
def fits(monkeypatch):
    """The ResultGrid of every Tuner.fit() the example makes."""
    from hpo_core.tuner import Tuner

    grids = []
    fit = Tuner.fit

    def recording_fit(self):
        grid = fit(self)
        grids.append(grid)
        return grid

    monkeypatch.setattr(Tuner, "fit", recording_fit)
    return grids


@pytest.mark.parametrize("name", EXAMPLES)
def test_ray_example_runs_on_asktell(name, ray_cluster, fits, monkeypatch, tmp_path):
    import ray

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [f"{examples_dir()}/{name}.py", "--smoke-test"])
    monkeypatch.setattr(ray, "init", functools.partial(ray.init, ignore_reinit_error=True))  # the session's Ray
    run_example(name)
    assert fits, f"{name} made no Tuner.fit()"
    for grid in fits:
        assert len(grid) > 0
        assert grid.num_errors == 0, grid.errors
        assert all(result.metrics.get("training_iteration", 0) >= 1 for result in grid)
        best = grid.get_best_result()
        assert best.config and best.metrics
