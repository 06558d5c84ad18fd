"""SimulatedExecutor: events on a simulated clock, decisions at simulated time, checkpoints, the driver."""
from __future__ import annotations

import os
from typing import Any

import pytest

import hpo_core
from hpo_core import Decision, Experiment, ExperimentAnalysis, Suggestion, choice, uniform
from hpo_core.callbacks import CallbackList
from hpo_core.driver import Driver
from hpo_core.errors import AsktellTypeError, AsktellValueError
from hpo_core.executors import (
    Failed,
    Reported,
    SimCheckpoint,
    SimulatedExecutor,
    SimulatedTrainable,
)


class Steps(SimulatedTrainable):
    """`n` reports of `config["d"]` seconds each; metric `score` = d * epoch. Remembers where each run started."""

    def __init__(self, n: int = 3):
        self.n = n
        self.starts: list[tuple[float, int, Any]] = []

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None):
        self.starts.append((config["d"], start_iteration, state))
        for epoch in range(start_iteration + 1, self.n + 1):
            yield config["d"], {"score": config["d"] * epoch}, f"state@{epoch}"


def ready(n_workers: int = 2, problem: SimulatedTrainable | None = None, **kwargs: Any) -> SimulatedExecutor:
    executor = SimulatedExecutor(n_workers, **kwargs)
    executor.setup(problem or Steps())
    return executor


def drain(executor: SimulatedExecutor, decide=lambda event: Decision.CONTINUE) -> list[tuple]:
    """Poll to the end, answering every report with `decide(event)`; returns (time, kind, trial, score) tuples."""
    log = []
    while True:
        events = executor.poll(0)
        if not events:
            return log
        for event in events:
            score = event.metrics["score"] if isinstance(event, Reported) else None
            log.append((executor.now(), type(event).__name__, event.trial_id, score))
            if isinstance(event, Reported):
                executor.apply(event.trial_id, decide(event))


def test_reports_arrive_at_their_simulated_times_and_workers_run_in_parallel():
    executor = ready(2)
    executor.start(Suggestion("a", {"d": 2.0}))
    executor.start(Suggestion("b", {"d": 3.0}))
    assert executor.free_slots() == 0
    log = drain(executor)
    assert log == [
        (2.0, "Reported", "a", 2.0), (3.0, "Reported", "b", 3.0), (4.0, "Reported", "a", 4.0),
        (6.0, "Reported", "b", 6.0), (6.0, "Reported", "a", 6.0), (6.0, "Completed", "a", None),
        (9.0, "Reported", "b", 9.0), (9.0, "Completed", "b", None),
    ]
    assert executor.now() == 9.0  # parallel: the longer trial, not the sum; ties go in the order they were scheduled
    assert executor.running() == set() and executor.free_slots() == 2


def test_report_metrics_carry_duration_timestamp_and_a_checkpoint():
    executor = ready(1, checkpoint_every=2)
    executor.start(Suggestion("a", {"d": 1.5}))
    seen = []
    while events := executor.poll(0):
        for event in events:
            if isinstance(event, Reported):
                seen.append(event)
                executor.apply("a", Decision.CONTINUE)
    assert [e.metrics["time_this_iter_s"] for e in seen] == [1.5, 1.5, 1.5]
    assert [e.metrics["timestamp"] for e in seen] == [1.5, 3.0, 4.5]
    assert [e.checkpoint for e in seen] == [None, SimCheckpoint(2, "state@2"), None]


def test_stop_frees_the_worker_at_the_simulated_time_of_the_report():
    executor = ready(1)
    executor.start(Suggestion("a", {"d": 5.0}))
    (event,) = executor.poll(0)
    executor.apply("a", Decision.STOP)
    assert executor.free_slots() == 1 and executor.poll(0) == []
    executor.start(Suggestion("b", {"d": 1.0}))
    (event,) = executor.poll(0)
    assert (event.trial_id, executor.now()) == ("b", 6.0)


def test_pause_then_resume_goes_on_from_the_checkpoint_with_its_state():
    problem = Steps(n=4)
    executor = ready(1, problem)
    executor.start(Suggestion("a", {"d": 1.0}))
    executor.poll(0)
    executor.apply("a", Decision.CONTINUE)
    (second,) = executor.poll(0)
    executor.apply("a", Decision.PAUSE)
    assert executor.running() == set()
    executor.start(Suggestion("a", {"d": 1.0}, resume=True, checkpoint=second.checkpoint, start_iteration=2))
    log = drain(executor)
    assert problem.starts[-1] == (1.0, 2, "state@2")
    assert log == [(3.0, "Reported", "a", 3.0), (4.0, "Reported", "a", 4.0), (4.0, "Completed", "a", None)]


def test_a_problem_that_raises_fails_its_trial_with_the_traceback():
    class Broken(SimulatedTrainable):
        def curve(self, config, *, start_iteration=0, state=None):
            yield 1.0, {"score": 1.0}
            raise RuntimeError("diverged")

    executor = ready(1, Broken())
    executor.start(Suggestion("a", {}))
    executor.poll(0)
    executor.apply("a", Decision.CONTINUE)
    (event,) = executor.poll(0)
    assert isinstance(event, Failed) and "RuntimeError: diverged" in event.error
    assert executor.free_slots() == 1


def test_a_malformed_step_fails_its_trial_and_names_the_step():
    executor = ready(1, lambda config: [("soon", {"score": 1})])
    executor.start(Suggestion("a", {}))
    (event,) = executor.poll(0)
    assert isinstance(event, Failed) and "'soon'" in event.error


def test_a_plain_function_returning_a_dict_is_one_report_of_one_second():
    executor = ready(1, lambda config: {"score": config["x"] * 2})
    executor.start(Suggestion("a", {"x": 4}))
    log = drain(executor)
    assert log == [(1.0, "Reported", "a", 8), (1.0, "Completed", "a", None)]


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "4"])
def test_bad_worker_counts_are_refused_by_name(bad):
    with pytest.raises(AsktellValueError, match="n_workers"):
        SimulatedExecutor(bad)


def test_bad_setup_and_start_are_refused():
    with pytest.raises(AsktellTypeError, match="trainable"):
        SimulatedExecutor(1).setup(42)
    with pytest.raises(AsktellValueError, match="max_concurrent_trials"):
        SimulatedExecutor(1).setup(Steps(), max_concurrent_trials=0)
    executor = ready(1)
    executor.start(Suggestion("a", {"d": 1.0}))
    with pytest.raises(AsktellValueError, match="no free simulated worker"):
        executor.start(Suggestion("b", {"d": 1.0}))
    with pytest.raises(AsktellTypeError, match="decision"):
        executor.poll(0)
        executor.apply("a", "STOP")


def test_max_concurrent_trials_caps_the_workers():
    executor = SimulatedExecutor(8)
    executor.setup(Steps(), max_concurrent_trials=3)
    assert executor.free_slots() == 3


def test_simulated_problem_called_directly_says_how_to_run_it():
    with pytest.raises(AsktellTypeError, match="SimulatedExecutor"):
        Steps()({"d": 1.0})


def test_run_uses_the_simulated_clock_end_to_end(tmp_path):
    executor = SimulatedExecutor(4)
    analysis = hpo_core.run(Steps(n=5), config={"d": choice([1.0, 2.0, 4.0])}, num_samples=8, metric="score",
                            mode="max", executor=executor, seed=3, storage_path=str(tmp_path), verbose=0)
    trials = analysis.trials
    assert len(trials) == 8
    for trial in trials:
        d = trial.config["d"]
        assert [r["time_this_iter_s"] for r in trial.results] == [d] * 5
        assert trial.results[-1]["time_total_s"] == pytest.approx(5 * d)
    # makespan on 4 workers: at least the total work / 4, at most that plus the longest trial
    work = sum(5 * t.config["d"] for t in trials)
    assert work / 4 <= executor.now() <= work / 4 + 20.0
    assert executor.now() < work  # it really ran in parallel


def test_a_simulated_run_makes_no_trial_files_unless_a_logger_is_asked_for(tmp_path):
    """Simulated trials have no files of their own: the journal holds every result; a logger passed in callbacks
    still writes its files."""
    from hpo_core.loggers import JsonLoggerCallback

    space = {"d": choice([1.0, 2.0])}
    hpo_core.run(Steps(n=3), config=space, num_samples=4, metric="score", mode="max", seed=0,
                 executor=SimulatedExecutor(2), storage_path=str(tmp_path), name="plain", verbose=0)
    assert sorted(os.listdir(tmp_path / "plain")) == ["driver.lock", "journal.jsonl"]
    assert [len(t.results) for t in ExperimentAnalysis(str(tmp_path / "plain")).trials] == [3] * 4
    logged = hpo_core.run(Steps(n=3), config=space, num_samples=4, metric="score", mode="max", seed=0,
                          executor=SimulatedExecutor(2), storage_path=str(tmp_path), name="logged", verbose=0,
                          callbacks=[JsonLoggerCallback()])
    for trial in logged.trials:
        assert sorted(os.listdir(trial.path)) == ["params.json", "result.json"]
        with open(os.path.join(trial.path, "result.json")) as handle:
            assert len(handle.readlines()) == 3


def _asha_run(seed: int) -> list[tuple]:
    from hpo_core.schedulers.async_hyperband import AsyncHyperBandScheduler

    executor = SimulatedExecutor(8)
    experiment = Experiment({"d": uniform(0.5, 3.0)}, metric="score", mode="max", num_samples=60,
                            scheduler=AsyncHyperBandScheduler(max_t=9, grace_period=1, reduction_factor=3),
                            seed=seed, clock=executor.now)
    executor.setup(Steps(n=9))
    Driver(experiment, executor, CallbackList([])).run()
    return [(t.trial_id, t.config["d"], t.iteration, t.results[-1]["timestamp"]) for t in experiment.trials.values()]


def test_same_seed_same_run_and_asha_stops_trials_early():
    first = _asha_run(7)
    assert first == _asha_run(7)
    assert first != _asha_run(8)
    iterations = [iteration for _, _, iteration, _ in first]
    assert min(iterations) == 1 and max(iterations) == 9  # some stopped at the first rung, some ran to the end


def test_experiment_time_budget_runs_on_the_simulated_clock():
    executor = SimulatedExecutor(2)
    experiment = Experiment({"d": 10.0}, metric="score", mode="max", num_samples=-1, time_budget_s=100.0,
                            seed=0, clock=executor.now)
    executor.setup(Steps(n=3))
    Driver(experiment, executor, CallbackList([])).run()
    # each trial takes 30 simulated seconds, two at a time: about 100 / 30 * 2 trials, never thousands
    assert 6 <= len(experiment.trials) <= 10
    assert 100.0 <= executor.now() <= 130.0


class _InterruptAfter(hpo_core.Callback):
    def __init__(self, after: int):
        self.after, self.seen = after, 0

    def on_trial_result(self, iteration, trials, trial, result, **info):
        self.seen += 1
        if self.seen == self.after:
            raise KeyboardInterrupt


class _Arrays(Steps):
    """Steps whose state is a numpy array, which JSON cannot keep exactly."""

    def curve(self, config, *, start_iteration=0, state=None):
        import numpy as np

        self.starts.append((config["d"], start_iteration, None if state is None else state.tolist()))
        for epoch in range(start_iteration + 1, self.n + 1):
            yield config["d"], {"score": config["d"] * epoch}, np.array([epoch])


@pytest.mark.parametrize("problem", [Steps, _Arrays])
def test_simulated_checkpoints_are_journaled_inline_and_resume_from_them(tmp_path, problem):
    """A pausing scheduler on the simulated clock through run(): no checkpoint file is written for a JSON-able
    state (a numpy one still gets a file), and an interrupted run resumes from the journaled checkpoints."""
    import os

    from hpo_core.schedulers import HyperBandScheduler
    from hpo_core.storage.journal import read_records

    def go(name, callbacks=(), resume=False, seen=None):
        steps = problem(n=9)
        analysis = hpo_core.run(steps, config={"d": uniform(0.5, 3.0)}, num_samples=9, metric="score", mode="max",
                                scheduler=HyperBandScheduler(max_t=9, reduction_factor=3),
                                executor=SimulatedExecutor(3), seed=1, storage_path=str(tmp_path), name=name,
                                verbose=0, callbacks=list(callbacks), resume=resume)
        if seen is not None:
            seen.extend(steps.starts)
        return sorted((t.trial_id, [r["score"] for r in t.results]) for t in analysis.trials)

    reference = go("ref")
    files = [f for _, _, names in os.walk(tmp_path / "ref") for f in names if f.startswith("checkpoint_")]
    records = [r for r in read_records(str(tmp_path / "ref" / "journal.jsonl")) if r["ev"] == "tell"]
    if problem is Steps:
        assert files == [] and all("ck" not in r for r in records)
        assert [r["sck"] for r in records[:2]] == [[1, "state@1"], [2, "state@2"]]
    else:
        assert files and all("sck" not in r for r in records)
    with pytest.raises(KeyboardInterrupt):
        go("cut", callbacks=[_InterruptAfter(25)])
    starts = []
    assert go("cut", resume=True, seen=starts) == reference
    assert any(start > 0 and state is not None for _, start, state in starts)  # resumed from a checkpoint
