"""`Experiment`: the ask/tell/complete state machine, as event logs, with an injected clock."""
from __future__ import annotations

import math

import pytest

from hpo_core import (
    AsktellTypeError,
    AsktellValueError,
    BasicVariantGenerator,
    Decision,
    Experiment,
    FIFOScheduler,
    Stopper,
    TrialStatus,
    choice,
    uniform,
)
from hpo_core.errors import MissingMetricError, TrialFinishedError, UnknownTrialError

SPACE = {"x": uniform(0, 1), "kind": choice(["a", "b"])}


class Clock:
    """An injectable clock: `advance(s)` moves time on."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class LoggingSearcher(BasicVariantGenerator):
    def __init__(self, log: list, **kwargs):
        super().__init__(**kwargs)
        self.log = log

    def suggest(self, trial_id):
        self.log.append(("suggest", trial_id))
        return super().suggest(trial_id)

    def on_trial_result(self, trial_id, result):
        self.log.append(("searcher.result", trial_id, result["training_iteration"]))

    def on_trial_complete(self, trial_id, result=None, error=False, pruned=False):
        self.log.append(("searcher.complete", trial_id, error, pruned))
        super().on_trial_complete(trial_id, result, error, pruned)


class LoggingScheduler(FIFOScheduler):
    def __init__(self, log: list):
        super().__init__()
        self.log = log

    def on_trial_add(self, trial):
        self.log.append(("add", trial.trial_id))

    def on_trial_result(self, trial, result):
        self.log.append(("scheduler.result", trial.trial_id, result["training_iteration"]))
        return Decision.CONTINUE

    def on_trial_complete(self, trial, result):
        self.log.append(("scheduler.complete", trial.trial_id))

    def on_trial_error(self, trial):
        self.log.append(("scheduler.error", trial.trial_id))


def _logged(num_samples=2, **kwargs):
    log: list = []
    kwargs.setdefault("search_alg", LoggingSearcher(log))
    exp = Experiment(SPACE, metric="loss", mode="min", num_samples=num_samples,
                     scheduler=LoggingScheduler(log), seed=0, clock=Clock(), **kwargs)
    return exp, log


# --- the order of events ---------------------------------------------------------------------------------------
def test_event_order_of_ask_tell_complete():
    exp, log = _logged()
    s = exp.ask()
    assert exp.tell(s.trial_id, {"loss": 0.5}) is Decision.CONTINUE
    assert exp.tell(s.trial_id, {"loss": 0.4}) is Decision.CONTINUE
    exp.complete(s.trial_id)
    assert log == [
        ("suggest", "00000"), ("add", "00000"),
        ("searcher.result", "00000", 1), ("scheduler.result", "00000", 1),
        ("searcher.result", "00000", 2), ("scheduler.result", "00000", 2),
        ("scheduler.complete", "00000"), ("searcher.complete", "00000", False, False),
    ]
    assert exp.trials[s.trial_id].status is TrialStatus.TERMINATED and not exp.is_finished()


def test_num_samples_reached_then_finished():
    exp, log = _logged(num_samples=2)
    a, b = exp.ask(), exp.ask()
    assert exp.ask() is None and not exp.is_finished()
    exp.complete(a.trial_id)
    exp.complete(b.trial_id)
    assert exp.is_finished() and exp.ask() is None
    assert [e[0] for e in log].count("suggest") == 2
    assert [t.status for t in exp.trials.values()] == [TrialStatus.TERMINATED] * 2


# --- auto-filled result fields ----------------------------------------------------------------------------------
def test_auto_filled_fields():
    clock = Clock(500.0)
    exp = Experiment(SPACE, metric="loss", mode="min", seed=0, clock=clock)
    s = exp.ask()
    clock.advance(2.0)
    exp.tell(s.trial_id, {"loss": 0.5})
    clock.advance(3.0)
    exp.tell(s.trial_id, {"loss": 0.4, "time_this_iter_s": 10.0, "timestamp": 1.5})
    first, second = exp.trials[s.trial_id].results
    assert first["training_iteration"] == 1 and second["training_iteration"] == 2
    assert first["time_this_iter_s"] == 2.0 and first["time_total_s"] == 2.0 and first["timestamp"] == 502.0
    assert second["time_this_iter_s"] == 10.0 and second["time_total_s"] == 12.0 and second["timestamp"] == 1.5
    assert [r["iterations_since_restore"] for r in (first, second)] == [1, 2]
    assert first["trial_id"] == s.trial_id and first["config"] == s.config
    assert first["done"] is False and second["done"] is False
    exp.complete(s.trial_id)
    assert second["done"] is True and first["done"] is False
    assert exp.analysis().results[s.trial_id] is second


def test_told_metrics_are_copied_not_kept():
    exp = Experiment(SPACE, metric="loss", mode="min", seed=0, clock=Clock())
    s = exp.ask()
    metrics = {"loss": 0.5}
    exp.tell(s.trial_id, metrics)
    metrics["loss"] = 9.0
    assert exp.trials[s.trial_id].last_result["loss"] == 0.5 and "training_iteration" not in metrics


# --- errors --------------------------------------------------------------------------------------------------
def test_tell_unknown_trial():
    exp = Experiment(SPACE, metric="loss", mode="min", seed=0)
    exp.ask()
    with pytest.raises(UnknownTrialError, match="'nope'"):
        exp.tell("nope", {"loss": 1.0})
    with pytest.raises(AsktellValueError, match="'nope'"):
        exp.complete("nope")


def test_tell_finished_trial():
    exp = Experiment(SPACE, metric="loss", mode="min", seed=0)
    s = exp.ask()
    exp.tell(s.trial_id, {"loss": 1.0})
    exp.complete(s.trial_id)
    with pytest.raises(TrialFinishedError, match=f"{s.trial_id}.*TERMINATED"):
        exp.tell(s.trial_id, {"loss": 1.0})


def test_missing_metric_names_metric_and_keys():
    exp = Experiment(SPACE, metric="loss", mode="min", seed=0)
    s = exp.ask()
    with pytest.raises(MissingMetricError) as info:
        exp.tell(s.trial_id, {"acc": 0.9, "epoch": 3})
    assert "'loss'" in str(info.value) and "'acc'" in str(info.value) and "'epoch'" in str(info.value)
    assert exp.trials[s.trial_id].results == []  # nothing recorded, no silent CONTINUE


@pytest.mark.parametrize("value", ["0.3", None, True, [0.3]])
def test_non_numeric_metric_rejected(value):
    exp = Experiment(SPACE, metric="loss", mode="min", seed=0)
    s = exp.ask()
    with pytest.raises(AsktellTypeError, match=f"'loss'.*{s.trial_id}"):
        exp.tell(s.trial_id, {"loss": value})


def test_metrics_must_be_a_dict():
    exp = Experiment(SPACE, metric="loss", mode="min", seed=0)
    s = exp.ask()
    with pytest.raises(AsktellTypeError, match="list"):
        exp.tell(s.trial_id, [("loss", 1.0)])


@pytest.mark.parametrize("kwargs, message", [
    ({"num_samples": 0}, "num_samples.*0"),
    ({"num_samples": -2}, "num_samples.*-2"),
    ({"mode": "up", "metric": "loss"}, "mode.*'up'"),
    ({"mode": "min"}, "mode='min'.*metric"),
    ({"time_budget_s": 0}, "time_budget_s.*0"),
    ({"max_failures": -3}, "max_failures.*-3"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(AsktellValueError, match=message):
        Experiment(SPACE, **kwargs)


# --- NaN -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode, best", [("min", 0.5), ("max", 0.7)])
def test_nan_recorded_and_ranked_worst(mode, best):
    exp = Experiment(SPACE, metric="loss", mode=mode, num_samples=3, seed=0)
    for value in (0.5, math.nan, 0.7):
        s = exp.ask()
        exp.tell(s.trial_id, {"loss": value})
        exp.complete(s.trial_id)
    assert math.isnan(exp.trials["00001"].last_result["loss"])
    assert exp.analysis().best_result["loss"] == best


# --- stop conditions ---------------------------------------------------------------------------------------------
def test_stop_dict():
    exp, log = _logged(stop={"training_iteration": 3})
    s = exp.ask()
    decisions = [exp.tell(s.trial_id, {"loss": 1.0}) for _ in range(3)]
    assert decisions == [Decision.CONTINUE, Decision.CONTINUE, Decision.STOP]
    assert exp.trials[s.trial_id].status is TrialStatus.TERMINATED
    assert log[-3:] == [("searcher.result", s.trial_id, 3), ("scheduler.complete", s.trial_id),
                        ("searcher.complete", s.trial_id, False, False)]


def test_stop_function_gets_trial_id_and_result():
    seen = []

    def stop(trial_id, result):
        seen.append((trial_id, result["loss"]))
        return result["loss"] < 0.2

    exp = Experiment(SPACE, metric="loss", mode="min", stop=stop, seed=0)
    s = exp.ask()
    assert [exp.tell(s.trial_id, {"loss": v}) for v in (0.5, 0.1)] == [Decision.CONTINUE, Decision.STOP]
    assert seen == [(s.trial_id, 0.5), (s.trial_id, 0.1)]


class StopAllAfter(Stopper):
    """Stops no single trial; ends the experiment after `n` results in all."""

    def __init__(self, n):
        self.n, self.seen = n, 0

    def __call__(self, trial_id, result):
        self.seen += 1
        return False

    def stop_all(self):
        return self.seen >= self.n


def test_stopper_stop_all_ends_experiment():
    exp = Experiment(SPACE, metric="loss", mode="min", num_samples=5, stop=StopAllAfter(3), seed=0)
    a, b = exp.ask(), exp.ask()
    assert exp.tell(a.trial_id, {"loss": 1.0}) is Decision.CONTINUE
    assert exp.tell(b.trial_id, {"loss": 1.0}) is Decision.CONTINUE
    assert exp.tell(a.trial_id, {"loss": 1.0}) is Decision.STOP
    assert exp.ask() is None and not exp.is_finished()  # b is still running
    assert exp.tell(b.trial_id, {"loss": 1.0}) is Decision.STOP
    assert exp.is_finished() and len(exp.trials) == 2


def test_time_budget_with_injected_clock():
    clock = Clock()
    exp = Experiment(SPACE, metric="loss", mode="min", num_samples=-1, time_budget_s=60, seed=0, clock=clock)
    s = exp.ask()
    clock.advance(40)
    assert exp.tell(s.trial_id, {"loss": 1.0}) is Decision.CONTINUE
    t = exp.ask()
    assert t is not None
    clock.advance(25)
    assert exp.tell(s.trial_id, {"loss": 1.0}) is Decision.STOP
    assert exp.ask() is None and not exp.is_finished()
    exp.complete(t.trial_id)
    assert exp.is_finished() and len(exp.trials) == 2


def test_complete_after_stop_is_a_no_op():
    exp, log = _logged(stop={"training_iteration": 1})
    s = exp.ask()
    assert exp.tell(s.trial_id, {"loss": 0.3}) is Decision.STOP
    before = list(log)
    exp.complete(s.trial_id)
    exp.complete(s.trial_id, error="late crash")
    assert log == before
    trial = exp.trials[s.trial_id]
    assert trial.status is TrialStatus.TERMINATED and trial.error is None and trial.num_failures == 0


# --- failures and retries ----------------------------------------------------------------------------------------
def test_retries_with_max_failures():
    exp, log = _logged(num_samples=1, max_failures=1)
    s = exp.ask()
    exp.tell(s.trial_id, {"loss": 0.9}, checkpoint={"step": 1})
    exp.complete(s.trial_id, error="Traceback: first")
    assert exp.trials[s.trial_id].status is TrialStatus.PENDING
    retry = exp.ask()
    assert (retry.trial_id, retry.resume, retry.checkpoint, retry.start_iteration) == (s.trial_id, True, {"step": 1}, 1)
    assert retry.config == s.config
    exp.complete(s.trial_id, error="Traceback: second")
    trial = exp.trials[s.trial_id]
    assert trial.status is TrialStatus.ERROR and trial.error == "Traceback: second" and trial.num_failures == 2
    assert log[-2:] == [("scheduler.error", s.trial_id), ("searcher.complete", s.trial_id, True, False)]
    assert [e[0] for e in log].count("searcher.complete") == 1
    assert exp.is_finished()


def test_no_retry_by_default_others_go_on():
    exp = Experiment(SPACE, metric="loss", mode="min", num_samples=2, seed=0)
    a, b = exp.ask(), exp.ask()
    exp.complete(a.trial_id, error="boom")
    assert exp.trials[a.trial_id].status is TrialStatus.ERROR
    assert exp.tell(b.trial_id, {"loss": 0.1}) is Decision.CONTINUE
    exp.complete(b.trial_id)
    assert exp.is_finished() and exp.analysis().best_trial.trial_id == b.trial_id


# --- seeds and given points -------------------------------------------------------------------------------------
def _configs(seed, n=5, **kwargs):
    exp = Experiment(SPACE, num_samples=n, seed=seed, **kwargs)
    return [exp.ask().config for _ in range(n)]


def test_same_seed_same_configs():
    assert _configs(4) == _configs(4)
    assert _configs(4) != _configs(5)


def test_points_to_evaluate_come_first_and_consume_samples():
    configs = _configs(0, n=3, search_alg=BasicVariantGenerator(points_to_evaluate=[{"x": 0.25}, {"kind": "b"}]))
    assert len(configs) == 3
    assert configs[0]["x"] == 0.25 and configs[0]["kind"] in ("a", "b")
    assert configs[1]["kind"] == "b" and 0 <= configs[1]["x"] <= 1
    assert configs[2]["x"] not in (0.25, configs[1]["x"])
