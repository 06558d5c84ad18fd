"""Acceptance (issue 15): Ray Tune's own `optuna_multiobjective_example.py`, read from the installed `ray` package,
runs on asktell with its imports switched to `hpo_ray.tune` at load time (tests/ray_examples.py; nothing of Ray's
is copied). Its own test: the example ranks by a named metric, and a two-objective grid has no single best."""
from __future__ import annotations

import functools
import sys

import pytest
from ray_examples import examples_dir, run_example

pytestmark = [pytest.mark.slow, pytest.mark.ray]


def test_optuna_multiobjective_example_runs_on_asktell(ray_cluster, monkeypatch, tmp_path, capsys):
    import ray

    from hpo_core.tuner import Tuner

    grids = []
    fit = Tuner.fit
    monkeypatch.setattr(Tuner, "fit", lambda self: grids.append(fit(self)) or grids[-1])
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [f"{examples_dir()}/optuna_multiobjective_example.py", "--smoke-test"])
    monkeypatch.setattr(ray, "init", functools.partial(ray.init, ignore_reinit_error=True))  # the session's Ray
    run_example("optuna_multiobjective_example")
    printed = capsys.readouterr().out
    assert "Best hyperparameters for loss found were:  {" in printed
    assert "Best hyperparameters for gain found were:  {" in printed
    (grid,) = grids
    assert len(grid) == 10 and grid.num_errors == 0
    losses = [result.metrics["loss"] for result in grid]
    assert grid.get_best_result("loss", "min").metrics["loss"] == min(losses)
    assert all(result.metrics["training_iteration"] == 100 for result in grid)  # no scheduler: every step ran
