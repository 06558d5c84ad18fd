"""Small semantic defects of results and set-up: a metric given only to the searcher reaches the scheduler
(issue 12 defect 6), best_* never crown an inf/NaN trial (issue 13 defect 3), `TrialStatus` is a str enum."""
from __future__ import annotations

import math

import pytest

from hpo_adapters.optuna import OptunaSearch
from hpo_core import Decision, Experiment, SerialExecutor, TrialStatus, report, run, uniform
from hpo_core.schedulers import ASHAScheduler


# --- defect 6: the searcher's metric reaches the scheduler ------------------------------------------------------
def test_scheduler_adopts_the_metric_given_only_to_the_searcher():
    scheduler = ASHAScheduler(max_t=9, grace_period=1, reduction_factor=3)
    exp = Experiment({"x": uniform(0, 1)}, search_alg=OptunaSearch(metric="loss", mode="min", seed=0),
                     scheduler=scheduler, num_samples=4, seed=0)
    assert (scheduler.metric, scheduler.mode) == ("loss", "min")
    assert (exp.metric, exp.mode) == ("loss", "min")
    good, bad = exp.ask().trial_id, exp.ask().trial_id
    assert exp.tell(good, {"loss": 0.1}) is Decision.CONTINUE
    assert exp.tell(bad, {"loss": 0.9}) is Decision.STOP  # judged as a loss to minimise


def test_run_with_the_metric_only_on_the_searcher():
    def objective(config):
        for step in range(5):
            report(loss=config["x"] + 1 / (step + 1))

    analysis = run(objective, config={"x": uniform(0, 1)}, num_samples=6, seed=0, verbose=0,
                   search_alg=OptunaSearch(metric="loss", mode="min", seed=0),
                   scheduler=ASHAScheduler(max_t=5, grace_period=1, reduction_factor=2), executor=SerialExecutor())
    assert any(t.iteration < 5 for t in analysis.trials)  # ASHA stopped someone
    best = analysis.best_trial  # the analysis ranks by the adopted metric too
    assert best.last_result["loss"] == min(t.last_result["loss"] for t in analysis.trials if t.iteration == 5)


# --- issue 13 defect 3: best_* filter NaN and inf as Ray does -------------------------------------------------
@pytest.mark.parametrize("mode, bad", [("min", -math.inf), ("min", math.nan), ("max", math.inf),
                                       ("max", math.nan)])
def test_best_skips_nan_and_infinite_trials(mode, bad):
    exp = Experiment({"x": uniform(0, 1)}, metric="loss", mode=mode, num_samples=3, seed=0)
    for value in (0.5, bad, 0.7):
        s = exp.ask()
        exp.tell(s.trial_id, {"loss": value})
        exp.complete(s.trial_id)
    analysis = exp.analysis()
    expected = 0.5 if mode == "min" else 0.7
    assert analysis.best_result["loss"] == expected
    assert analysis.best_trial.last_result["loss"] == expected
    assert analysis.best_config == analysis.best_trial.config
    unfiltered = analysis.get_best_trial(filter_nan_and_inf=False)
    assert unfiltered is (analysis.trials[1] if math.isinf(bad) else analysis.best_trial)


def test_best_is_none_when_every_trial_is_nan():
    exp = Experiment({"x": uniform(0, 1)}, metric="loss", mode="min", num_samples=2, seed=0)
    for _ in range(2):
        s = exp.ask()
        exp.tell(s.trial_id, {"loss": math.nan})
        exp.complete(s.trial_id)
    assert exp.analysis().best_trial is None and exp.analysis().best_config is None


def test_scope_all_takes_the_best_finite_result():
    exp = Experiment({"x": uniform(0, 1)}, metric="loss", mode="min", num_samples=2, seed=0)
    a = exp.ask().trial_id
    for value in (0.4, -math.inf, 0.3):
        exp.tell(a, {"loss": value})
    b = exp.ask().trial_id
    exp.tell(b, {"loss": 0.35})
    assert exp.analysis().get_best_trial(scope="all").trial_id == a


# --- TrialStatus compares equal to Ray Tune's strings ----------------------------------------------------------
def test_trial_status_is_a_str_enum():
    assert TrialStatus.TERMINATED == "TERMINATED" and "ERROR" == TrialStatus.ERROR
    assert f"{TrialStatus.PAUSED}" == str(TrialStatus.PAUSED) == "PAUSED"
    assert sorted([TrialStatus.TERMINATED, TrialStatus.ERROR, TrialStatus.RUNNING]) == [
        "ERROR", "RUNNING", "TERMINATED"]
    assert TrialStatus("RUNNING") is TrialStatus.RUNNING
    exp = Experiment({"x": uniform(0, 1)}, metric="loss", mode="min", num_samples=1, seed=0)
    s = exp.ask()
    exp.tell(s.trial_id, {"loss": 1.0})
    exp.complete(s.trial_id)
    assert [t.status for t in exp.trials.values()] == ["TERMINATED"]
