"""ProcessExecutor: a trial paused and resumed at once is a new run, told apart from the old one (issue 12 defect 4).

HyperBand with max_t=4, reduction_factor=2 pauses trials at milestones and resumes the survivors in the same driver
step, before the paused run's end message was read; each run is tagged so the old run's messages cannot be taken
for the new one's.
"""
from __future__ import annotations

import os
import time

from hpo_core import Decision, ProcessExecutor, TrialStatus, get_checkpoint, report, run, uniform
from hpo_core.executors.base import Reported
from hpo_core.schedulers import HyperBandScheduler
from hpo_core.suggestion import Suggestion


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _objective(config):
    start = get_checkpoint() or 0
    for step in range(start + 1, 5):
        report({"score": config["x"] * step, "pid": os.getpid()}, checkpoint=step)


def test_hyperband_pause_and_resume_at_once_on_a_process_pool(capfd):
    pids: set[int] = set()
    for seed in range(3):
        analysis = run(_objective, config={"x": uniform(0, 1)}, num_samples=16, metric="score", mode="max", seed=seed,
                       scheduler=HyperBandScheduler(max_t=4, reduction_factor=2),
                       resources_per_trial={"cpu": 0.2}, executor=ProcessExecutor(max_workers=10),
                       raise_on_failed_trial=False, verbose=0)
        errors = {str(t): t.error for t in analysis.trials if t.status is TrialStatus.ERROR}
        assert not errors, errors
        assert all(t.status is TrialStatus.TERMINATED for t in analysis.trials)
        for trial in analysis.trials:  # every step 1..last recorded once, in order, across pauses
            assert [r["training_iteration"] for r in trial.results] == list(range(1, trial.iteration + 1))
        pids |= {r["pid"] for t in analysis.trials for r in t.results}
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in pids if _alive(pid)], "worker processes alive after shutdown()"
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err and "BrokenPipe" not in captured.err, captured.err[-2000:]


def _reports_forever(config):
    while True:
        report({"run": config["run"], "pid": os.getpid()})
        time.sleep(0.01)


def _events(executor, count=1, timeout=10.0):
    events, deadline = [], time.monotonic() + timeout
    while len(events) < count and time.monotonic() < deadline:
        events += executor.poll(0.05)
    return events


def test_a_run_told_to_pause_and_the_same_trial_started_again_are_told_apart():
    """The event log of one trial paused and started again before its first run's end message was read."""
    executor = ProcessExecutor(max_workers=2)
    executor.setup(_reports_forever)
    try:
        executor.start(Suggestion("t0", {"run": 1}))
        [first] = _events(executor)
        assert isinstance(first, Reported) and first.metrics["run"] == 1
        executor.apply("t0", Decision.PAUSE)
        executor.start(Suggestion("t0", {"run": 2}, resume=True))  # at once: run 1's end is still unread
        assert executor.running() == {"t0"}
        [second] = _events(executor)
        assert isinstance(second, Reported) and second.metrics["run"] == 2
        assert second.metrics["pid"] != first.metrics["pid"]
        assert executor.running() == {"t0"}  # run 1 ending did not take run 2's place
        executor.apply("t0", Decision.STOP)
        assert executor.running() == {"t0"}  # until its end is read: the driver must not think the pool idle
        assert _events(executor, timeout=1.0) == []  # neither run's end is a Completed
        assert executor.running() == set() and executor.free_slots() == 2
        # both workers went back to the pool: the next two trials run in them (before: run 1's worker was dropped
        # with its end message unread, its pipe closed under it, and it died with a ConnectionResetError)
        executor.start(Suggestion("t1", {"run": 3}))
        executor.start(Suggestion("t2", {"run": 4}))
        reused = {event.metrics["pid"] for event in _events(executor, count=2)}
        assert reused == {first.metrics["pid"], second.metrics["pid"]}
    finally:
        executor.shutdown()
    pids = (first.metrics["pid"], second.metrics["pid"])
    assert not [pid for pid in pids if _alive(pid)]
