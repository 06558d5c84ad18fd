"""`ExperimentAnalysis`: best trial/config/result under every scope, tables and per-trial metric analysis."""
from __future__ import annotations

import pytest

from hpo_core import AsktellValueError, Experiment, ExperimentAnalysis, uniform

# Each series makes a different trial best under one scope (mode "min" on loss; "max" on score = -loss):
SERIES = {
    "A": [-5.0] + [10.0] * 11,          # all: the lowest value ever (-5)
    "B": [8.0] * 11 + [1.0],            # last: 1
    "C": [0.5, 0.5] + [6.0] * 10,       # avg: 61/12
    "D": [20.0, 20.0] + [1.0] * 5 + [7.0] * 5,  # last-10-avg: 4.0
    "E": [9.0] * 7 + [3.0] * 5,         # last-5-avg: 3.0
}
WINNER = {"all": "A", "last": "B", "avg": "C", "last-10-avg": "D", "last-5-avg": "E"}


@pytest.fixture(scope="module")
def experiment():
    exp = Experiment({"x": uniform(0, 1)}, metric="loss", mode="min", num_samples=len(SERIES) + 1, seed=0)
    names = {}
    for name, series in SERIES.items():
        s = exp.ask()
        names[s.trial_id] = name
        for value in series:
            exp.tell(s.trial_id, {"loss": value, "score": -value})
        exp.complete(s.trial_id)
    failed = exp.ask()
    exp.complete(failed.trial_id, error="crashed before reporting")
    exp.names = names
    exp.failed_id = failed.trial_id
    return exp


def _name(exp, trial):
    return exp.names[trial.trial_id]


def test_defaults_come_from_the_experiment(experiment):
    analysis = experiment.analysis()
    best = analysis.best_trial
    assert _name(experiment, best) == "B"
    assert analysis.best_config == best.config and "x" in analysis.best_config
    assert analysis.best_result is best.last_result and analysis.best_result["loss"] == 1.0


@pytest.mark.parametrize("scope", sorted(WINNER))
@pytest.mark.parametrize("metric, mode", [("loss", "min"), ("score", "max")])
def test_best_trial_per_scope(experiment, scope, metric, mode):
    analysis = experiment.analysis()
    best = analysis.get_best_trial(metric, mode, scope)
    assert _name(experiment, best) == WINNER[scope]
    assert analysis.get_best_config(metric, mode, scope) == best.config


def test_opposite_mode_gives_the_worst(experiment):
    worst = experiment.analysis().get_best_trial("loss", "max", "last")
    assert _name(experiment, worst) == "A"  # its last value, 10, is the largest


def test_bad_scope_and_missing_metric(experiment):
    analysis = experiment.analysis()
    with pytest.raises(AsktellValueError, match="scope.*'best'"):
        analysis.get_best_trial(scope="best")
    bare = ExperimentAnalysis(list(experiment.trials.values()))
    with pytest.raises(AsktellValueError, match="metric=None"):
        _ = bare.best_trial
    assert bare.get_best_trial("not_reported", "min") is None
    with pytest.raises(AsktellValueError, match="'sideways'"):
        bare.get_best_trial("loss", "sideways")


def test_results_map_trial_to_last_result(experiment):
    results = experiment.analysis().results
    assert set(results) == set(experiment.trials)
    for trial_id, name in experiment.names.items():
        assert results[trial_id]["loss"] == SERIES[name][-1]
        assert results[trial_id]["config"] == experiment.trials[trial_id].config
    assert results[experiment.failed_id] == {}


def test_dataframe_one_row_per_trial(experiment):
    frame = experiment.analysis().dataframe()
    assert len(frame) == len(SERIES) + 1
    assert {"loss", "score", "training_iteration", "config/x", "trial_id", "status"} <= set(frame.columns)
    assert "config" not in frame.columns
    rows = frame.set_index("trial_id")
    for trial_id, name in experiment.names.items():
        assert rows.loc[trial_id, "loss"] == SERIES[name][-1]
        assert rows.loc[trial_id, "config/x"] == experiment.trials[trial_id].config["x"]
        assert rows.loc[trial_id, "status"] == "TERMINATED"
    assert rows.loc[experiment.failed_id, "status"] == "ERROR"


def test_dataframe_with_metric_takes_each_trials_best(experiment):
    rows = experiment.analysis().dataframe(metric="loss", mode="min").set_index("trial_id")
    for trial_id, name in experiment.names.items():
        assert rows.loc[trial_id, "loss"] == min(SERIES[name])


def test_trial_dataframes(experiment):
    frames = experiment.analysis().trial_dataframes
    assert set(frames) == set(experiment.trials)
    for trial_id, name in experiment.names.items():
        frame = frames[trial_id]
        assert list(frame["loss"]) == SERIES[name]
        assert list(frame["training_iteration"]) == list(range(1, len(SERIES[name]) + 1))
    assert frames[experiment.failed_id].empty


def test_metric_analysis(experiment):
    by_name = {name: experiment.trials[tid] for tid, name in experiment.names.items()}
    stats = by_name["D"].metric_analysis["loss"]
    series = SERIES["D"]
    assert stats == pytest.approx({
        "max": max(series), "min": min(series), "avg": sum(series) / len(series), "last": series[-1],
        "last-5-avg": sum(series[-5:]) / 5, "last-10-avg": sum(series[-10:]) / 10,
    })
    assert by_name["A"].metric_analysis["score"]["max"] == 5.0
    assert "config" not in by_name["A"].metric_analysis and "done" not in by_name["A"].metric_analysis
