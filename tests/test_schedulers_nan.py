"""NaN and infinity in the wrong direction are the worst value for every scheduler (issue 12, defect 2).

Driven through Experiment.ask/tell/complete, as the scenario tests are; the last test runs the driver end to end.
"""
from __future__ import annotations

import math

import pytest

from hpo_core import Decision, Experiment, SerialExecutor, report, run, uniform
from hpo_core.schedulers import AsyncHyperBandScheduler, MedianStoppingRule, PopulationBasedTraining

C, P, S = Decision.CONTINUE, Decision.PAUSE, Decision.STOP
NAN = math.nan


def experiment(scheduler, num_samples=10):
    return Experiment({"x": uniform(0, 1)}, scheduler=scheduler, num_samples=num_samples, seed=0)


def tells(exp, trial_id, values, *, start=1, metric="r"):
    """Tell values at t = start, start+1, ... until one is not CONTINUE; the decisions."""
    decisions = []
    for t, value in enumerate(values, start=start):
        decisions.append(exp.tell(trial_id, {"t": t, metric: value}))
        if decisions[-1] is not C:
            break
    return decisions


@pytest.mark.parametrize("first", [True, False], ids=["alone-at-the-rung", "after-others"])
def test_asha_stops_an_all_nan_trial_at_its_first_rung(first):
    exp = experiment(AsyncHyperBandScheduler(time_attr="t", metric="r", mode="max", max_t=50, reduction_factor=2))
    if not first:
        good = exp.ask().trial_id
        tells(exp, good, [1.0] * 3)
    nan_trial = exp.ask().trial_id
    assert tells(exp, nan_trial, [NAN] * 50) == [S]  # rung 1, not max_t


@pytest.mark.parametrize("mode, value", [("min", math.inf), ("max", -math.inf)])
def test_asha_infinity_in_the_wrong_direction_is_worst(mode, value):
    exp = experiment(AsyncHyperBandScheduler(time_attr="t", metric="r", mode=mode, max_t=50, reduction_factor=2))
    assert tells(exp, exp.ask().trial_id, [value] * 50) == [S]


def test_asha_cutoff_for_others_ignores_worst_scores():
    exp = experiment(AsyncHyperBandScheduler(time_attr="t", metric="r", mode="max", max_t=50, reduction_factor=2))
    for _ in range(3):  # three NaN trials at rung 1
        tells(exp, exp.ask().trial_id, [NAN])
    a, b = exp.ask().trial_id, exp.ask().trial_id
    assert tells(exp, a, [10.0]) == [C]  # the first finite score at the rung: nothing to beat
    assert tells(exp, b, [5.0]) == [S]  # cutoff 10 from the finite scores only


def test_median_stopping_stops_an_all_nan_trial_after_the_grace_period():
    exp = experiment(MedianStoppingRule(time_attr="t", metric="r", mode="max", grace_period=2,
                                        min_samples_required=1))
    decisions = tells(exp, exp.ask().trial_id, [NAN] * 20)
    assert decisions == [C, C, S]  # t = 1, 2 (grace), 3


def test_median_stopping_still_stops_others_when_one_trial_reported_nan():
    exp = experiment(MedianStoppingRule(time_attr="t", metric="r", mode="max", grace_period=1.5,
                                        min_samples_required=2))
    good, mixed = exp.ask().trial_id, exp.ask().trial_id
    tells(exp, good, [100.0] * 10)
    tells(exp, mixed, [100.0, NAN, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0])
    exp.complete(good)
    exp.complete(mixed)
    bad = exp.ask().trial_id
    # at t=2 the mixed trial's window holds only its NaN: it is left out (one other trial, too few to judge);
    # from t=3 its mean is 100 again (before: the NaN poisoned every later window and nothing was stopped)
    assert tells(exp, bad, [1.0] * 10) == [C, C, S]


def test_median_stopping_nan_does_not_spare_a_trial():
    """Before: a NaN made the trial's best NaN, and `NaN < median` is false, so it ran on forever."""
    exp = experiment(MedianStoppingRule(time_attr="t", metric="r", mode="min", grace_period=0,
                                        min_samples_required=1))
    good = exp.ask().trial_id
    tells(exp, good, [1.0] * 5)
    exp.complete(good)
    assert tells(exp, exp.ask().trial_id, [NAN] * 5) == [S]


def test_pbt_ranks_nan_in_the_bottom_quantile():
    pbt = PopulationBasedTraining(time_attr="t", metric="r", mode="max", perturbation_interval=10,
                                  quantile_fraction=0.25, hyperparam_mutations={"x": uniform(0, 1)})
    exp = experiment(pbt, num_samples=4)
    ids = [exp.ask().trial_id for _ in range(4)]
    # the NaN trial reports last: its rank decides whether it is exploited
    for trial_id, value in zip(ids, (10.0, 20.0, 30.0, NAN)):
        assert exp.tell(trial_id, {"t": 10, "r": value}, checkpoint={"w": value}) is (P if math.isnan(value) else C)
    suggestion = exp.ask()
    assert suggestion.trial_id == ids[3] and suggestion.resume
    assert exp.trials[ids[3]].exploits[-1]["donor"] == ids[2]


def test_run_stops_an_all_nan_trial_early_end_to_end():
    def objective(config):
        for _ in range(40):
            report(loss=NAN if config["x"] < 0.5 else config["x"])

    analysis = run(objective, config={"x": uniform(0, 1)}, num_samples=8, metric="loss", mode="min", seed=1,
                   scheduler=AsyncHyperBandScheduler(max_t=40, reduction_factor=3), executor=SerialExecutor(),
                   verbose=0, storage_path=None, name=None)
    nan_trials = [t for t in analysis.trials if t.config["x"] < 0.5]
    assert nan_trials and all(t.iteration == 1 for t in nan_trials)
    assert analysis.best_config["x"] >= 0.5
