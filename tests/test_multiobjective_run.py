"""Several metrics end to end: `hpo_core.run` (serial executor, experiment folder, resume-free reload) and
`tune.run` on Ray, with the multi-objective scheduler and searchers."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import cloudpickle
import pytest

from hpo_core import ExperimentAnalysis, SerialExecutor, report, run, uniform
from hpo_core.schedulers import MOASHAScheduler

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # Ray workers cannot import this test module

SPACE = {"width": uniform(0.0, 20.0), "height": uniform(-100.0, 100.0)}


def trade_off(config):
    """Ray's optuna_multiobjective_example in small: loss falls with width while gain rises with it."""
    for step in range(1, 9):
        loss = (0.1 + config["width"] * step / 100) ** -1 + config["height"] * 0.1
        report(loss=loss, gain=loss * config["width"], step=step)


def test_core_run_with_mo_asha_writes_an_experiment_whose_front_reloads(tmp_path):
    analysis = run(trade_off, config=SPACE, num_samples=12, metric=["loss", "gain"], mode=["min", "max"],
                   scheduler=MOASHAScheduler(max_t=8, grace_period=1, reduction_factor=2), seed=0,
                   executor=SerialExecutor(), storage_path=str(tmp_path), name="mo", verbose=0)
    iterations = sorted(t.iteration for t in analysis.trials)
    assert iterations[0] < 8 and iterations[-1] == 8, "MO-ASHA stopped some trials early and let one finish"
    front = [t.trial_id for t in analysis.best_trials]
    assert front and set(analysis.dataframe().query("pareto_front")["trial_id"]) == set(front)
    loaded = ExperimentAnalysis(analysis.path)
    assert loaded.metrics == ["loss", "gain"] and loaded.modes == ["min", "max"]
    assert [t.trial_id for t in loaded.best_trials] == front
    listing = subprocess.run([sys.executable, "-m", "hpo_core.cli", "ls", str(tmp_path)], capture_output=True,
                             text=True, check=True).stdout
    header, row = listing.splitlines()[:2]
    assert "FRONT" in header and "HYPERVOLUME" in header
    assert f" {len(front)} " in row


@pytest.mark.ray
def test_tune_run_on_ray_passes_several_metrics_through(ray_cluster, tmp_path):
    from hpo_adapters.optuna import OptunaSearch
    from hpo_ray import tune
    from hpo_ray.tune.search import ConcurrencyLimiter

    algo = ConcurrencyLimiter(OptunaSearch(metric=["loss", "gain"], mode=["min", "max"], sampler="nsga2"),
                              max_concurrent=2)
    analysis = tune.run(trade_off, config=SPACE, search_alg=algo, num_samples=4, storage_path=str(tmp_path),
                        verbose=0)
    assert analysis.metrics == ["loss", "gain"] and len(analysis.trials) == 4
    assert all(t.status.name == "TERMINATED" for t in analysis.trials)
    assert 1 <= len(analysis.best_trials) <= 4
    assert analysis.get_best_trial("gain").last_result["gain"] == max(t.last_result["gain"] for t in analysis.trials)
    with pytest.raises(ValueError, match="MOASHAScheduler"):
        tune.run(trade_off, config=SPACE, metric=["loss", "gain"], mode=["min", "max"], num_samples=1,
                 scheduler=tune.schedulers.ASHAScheduler(), storage_path=str(tmp_path), verbose=0)


def test_report_and_plots_draw_the_front_with_early_stopped_trials(tmp_path):
    from hpo_core.htmlreport import write_report
    from hpo_core.plot import pareto_front_plot, plot_all

    analysis = run(trade_off, config=SPACE, num_samples=10, metric=["loss", "gain"], mode=["min", "max"],
                   scheduler=MOASHAScheduler(max_t=8, grace_period=1, reduction_factor=2), seed=1,
                   executor=SerialExecutor(), storage_path=str(tmp_path), name="mo", verbose=0)
    made = plot_all(analysis.path, str(tmp_path / "plots"))
    assert made["front"] and Path(made["front"][0]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    three = pareto_front_plot(analysis, str(tmp_path / "three.png"), metrics=["loss", "gain", "step"],
                              modes=["min", "max", "min"])
    assert Path(three).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = Path(write_report(analysis.path, tmp_path / "report.html")).read_text(encoding="utf-8")
    front = analysis.best_trials
    assert f"{len(front)} of 10 trials are on the front of loss, gain" in page
    assert all(str(t) in page for t in front) and page.count("alt='front: front.png'") == 1


def test_tuner_takes_lists_of_metrics(tmp_path):
    from hpo_core.tune_config import RunConfig, TuneConfig
    from hpo_core.tuner import Tuner

    tuner = Tuner(trade_off, param_space=SPACE,
                  tune_config=TuneConfig(metric=["loss", "gain"], mode=["min", "max"], num_samples=6, seed=0,
                                         scheduler=MOASHAScheduler(max_t=8, reduction_factor=2)),
                  run_config=RunConfig(storage_path=str(tmp_path), verbose=0))
    tuner.executor = SerialExecutor()
    grid = tuner.fit()
    assert len(grid) == 6 and grid.num_errors == 0
    assert grid.get_best_result("gain").metrics["gain"] == max(r.metrics["gain"] for r in grid)
    assert "pareto_front" in grid.get_dataframe().columns
    with pytest.raises(ValueError, match="several objectives"):
        grid.get_best_result()
