"""The run() driver with the serial and process-pool executors: results, failures, retries, checkpoints."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from hpo_core import (
    AsktellTypeError,
    AsktellValueError,
    Callback,
    ProcessExecutor,
    SerialExecutor,
    TrialStatus,
    get_checkpoint,
    report,
    run,
    uniform,
)
from hpo_core.enums import Decision
from hpo_core.errors import TrialsFailedError
from hpo_core.executors.base import Completed, Executor, Reported

SPACE = {"w": uniform(0, 1), "b": uniform(0, 1)}


def curve(config):
    for step in range(6):
        report(score=config["w"] * step**0.5 + config["b"], step=step)


def returns_dict(config):
    return {"score": (config["w"] - 0.3) ** 2}


def fails_above_half(config):
    if config["w"] > 0.5:
        raise ValueError(f"w too large: {config['w']}")
    return {"score": config["w"]}


@pytest.fixture(params=["serial", "process"])
def executor(request):
    return SerialExecutor() if request.param == "serial" else ProcessExecutor(max_workers=2)


def test_reporting_trainable_stops_at_stop_dict(executor):
    analysis = run(curve, SPACE, num_samples=4, metric="score", mode="min", seed=3, executor=executor,
                   stop={"training_iteration": 3})
    assert len(analysis.trials) == 4
    for trial in analysis.trials:
        assert [r["training_iteration"] for r in trial.results] == [1, 2, 3]
        assert [r["step"] for r in trial.results] == [0, 1, 2]
        assert trial.status is TrialStatus.TERMINATED
        assert trial.last_result["done"] is True
    best = min(analysis.trials, key=lambda t: t.last_result["score"])
    assert analysis.best_trial is best


def test_returned_dict_is_the_final_result(executor):
    analysis = run(returns_dict, SPACE, num_samples=5, metric="score", mode="min", seed=1, executor=executor)
    for trial in analysis.trials:
        assert len(trial.results) == 1
        assert trial.last_result["score"] == pytest.approx((trial.config["w"] - 0.3) ** 2)
    assert analysis.best_result["score"] == min(t.last_result["score"] for t in analysis.trials)


def test_failing_trial_is_error_and_others_go_on(executor):
    analysis = run(fails_above_half, SPACE, num_samples=8, metric="score", mode="min", seed=2,
                   executor=executor, raise_on_failed_trial=False)
    for trial in analysis.trials:
        if trial.config["w"] > 0.5:
            assert trial.status is TrialStatus.ERROR
            assert "ValueError: w too large" in trial.error and "Traceback" in trial.error
        else:
            assert trial.status is TrialStatus.TERMINATED
    assert any(t.status is TrialStatus.ERROR for t in analysis.trials)
    assert any(t.status is TrialStatus.TERMINATED for t in analysis.trials)


def test_raise_on_failed_trial_lists_the_failed_trials():
    with pytest.raises(TrialsFailedError) as info:
        run(fails_above_half, SPACE, num_samples=6, metric="score", mode="min", seed=2, executor=SerialExecutor())
    assert info.value.failed and all(name.startswith("fails_above_half_") for name in info.value.failed)


def test_same_seed_same_configs():
    first = run(returns_dict, SPACE, num_samples=4, metric="score", mode="min", seed=7, executor=SerialExecutor())
    again = run(returns_dict, SPACE, num_samples=4, metric="score", mode="min", seed=7, executor=SerialExecutor())
    other = run(returns_dict, SPACE, num_samples=4, metric="score", mode="min", seed=8, executor=SerialExecutor())
    assert [t.config for t in first.trials] == [t.config for t in again.trials]
    assert [t.config for t in first.trials] != [t.config for t in other.trials]


def make_flaky(marker_dir):
    """A trainable that checkpoints every step and crashes once at step 3; the retry resumes from the checkpoint."""

    def flaky(config):
        start = (get_checkpoint() or {"step": 0})["step"]
        for step in range(start + 1, 6):
            marker = os.path.join(marker_dir, f"crashed-{config['w']}")
            if step == 3 and not os.path.exists(marker):
                open(marker, "w").close()
                raise RuntimeError("transient failure")
            report({"score": float(step), "step": step}, checkpoint={"step": step})

    return flaky


def test_max_failures_retries_from_the_last_checkpoint(executor, tmp_path):
    analysis = run(make_flaky(str(tmp_path)), SPACE, num_samples=2, metric="score", mode="max", seed=0,
                   executor=executor, max_failures=1)
    for trial in analysis.trials:
        assert trial.status is TrialStatus.TERMINATED
        assert trial.num_failures == 1
        assert [r["step"] for r in trial.results] == [1, 2, 3, 4, 5]  # resumed at 3, nothing lost or repeated
        assert [r["training_iteration"] for r in trial.results] == [1, 2, 3, 4, 5]


def test_without_retries_the_flaky_trial_errors(tmp_path):
    analysis = run(make_flaky(str(tmp_path)), SPACE, num_samples=1, metric="score", mode="max",
                   executor=SerialExecutor(), raise_on_failed_trial=False)
    (trial,) = analysis.trials
    assert trial.status is TrialStatus.ERROR and "transient failure" in trial.error
    assert [r["step"] for r in trial.results] == [1, 2]


def test_lambda_and_closure_travel_to_worker_processes():
    offset = 0.25
    analysis = run(lambda c: {"score": abs(c["w"] - offset)}, SPACE, num_samples=3, metric="score", mode="min",
                   executor=ProcessExecutor(max_workers=2))
    assert all(t.status is TrialStatus.TERMINATED for t in analysis.trials)
    assert analysis.best_result["score"] == pytest.approx(abs(analysis.best_config["w"] - offset))


def test_unpicklable_trainable_is_refused_with_a_clear_error():
    lock = threading.Lock()

    def holds_lock(config):
        with lock:
            return {"score": 1.0}

    with pytest.raises(AsktellTypeError, match="cannot be pickled"):
        run(holds_lock, SPACE, num_samples=1, metric="score", mode="min", executor=ProcessExecutor(max_workers=1))


def dies(config):
    if config["w"] > 0.5:
        os._exit(3)
    return {"score": config["w"]}


def test_dead_worker_process_fails_only_its_trial():
    analysis = run(dies, SPACE, num_samples=6, metric="score", mode="min", seed=2,
                   executor=ProcessExecutor(max_workers=2), raise_on_failed_trial=False)
    for trial in analysis.trials:
        if trial.config["w"] > 0.5:
            assert trial.status is TrialStatus.ERROR and "exit code 3" in trial.error
        else:
            assert trial.status is TrialStatus.TERMINATED


def test_bad_result_fails_its_trial_not_the_experiment():
    def wrong_metric(config):
        return {"loss": 1.0}

    analysis = run(wrong_metric, SPACE, num_samples=2, metric="score", mode="min", executor=SerialExecutor(),
                   raise_on_failed_trial=False)
    for trial in analysis.trials:
        assert trial.status is TrialStatus.ERROR
        assert "'score'" in trial.error and "loss" in trial.error


def test_report_outside_a_trial_is_an_error():
    with pytest.raises(AsktellValueError, match="outside a trial"):
        report(score=1.0)


@pytest.mark.parametrize("bad", [{"gpu": 1}, {"cpu": 0}, {"cpu": 1, "accelerator": 1}])
def test_process_executor_refuses_resources_it_cannot_give(bad):
    with pytest.raises(AsktellValueError):
        run(returns_dict, SPACE, metric="score", mode="min", resources_per_trial=bad,
            executor=ProcessExecutor(max_workers=1))


@pytest.mark.parametrize("kwargs", [{"max_concurrent_trials": 0}, {"num_samples": 0}, {"max_failures": -2},
                                    {"mode": "up"}, {"stop": 3}, {"callbacks": [object()]}])
def test_bad_run_arguments_name_the_parameter(kwargs):
    with pytest.raises((AsktellValueError, AsktellTypeError)) as info:
        run(returns_dict, SPACE, **{"metric": "score", "mode": "min", **kwargs}, executor=SerialExecutor())
    assert next(iter(kwargs)) in str(info.value)


def test_callbacks_see_every_transition_in_order():
    events = []

    class Recorder(Callback):
        def on_trial_start(self, iteration, trials, trial, **info):
            events.append(("start", trial.trial_id))

        def on_trial_result(self, iteration, trials, trial, result, **info):
            events.append(("result", trial.trial_id, result["training_iteration"]))

        def on_trial_complete(self, iteration, trials, trial, **info):
            events.append(("complete", trial.trial_id))

        def on_experiment_end(self, trials, **info):
            events.append(("end", len(trials)))

    run(curve, SPACE, num_samples=2, metric="score", mode="min", executor=SerialExecutor(),
        stop={"training_iteration": 2}, callbacks=[Recorder()])
    assert events == [
        ("start", "00000"), ("result", "00000", 1), ("result", "00000", 2), ("complete", "00000"),
        ("start", "00001"), ("result", "00001", 1), ("result", "00001", 2), ("complete", "00001"),
        ("end", 2),
    ]


def test_a_script_without_main_guard_runs_once(tmp_path):
    """The chapter's scripts have no `if __name__ == "__main__":`; workers must not re-run them."""
    import subprocess
    import sys

    script = tmp_path / "unguarded.py"
    script.write_text(
        "from hpo_core import run, uniform, report\n"
        "print('SCRIPT STARTED', flush=True)\n"
        "def objective(config):\n"
        "    for step in range(3):\n"
        "        report(score=config['w'] * step)\n"
        "analysis = run(objective, {'w': uniform(0, 1)}, num_samples=4, metric='score', mode='min', verbose=0)\n"
        "print('TRIALS', len(analysis.trials), flush=True)\n"
    )
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("SCRIPT STARTED") == 1
    assert "TRIALS 4" in out.stdout


LINGER = r"""
import sys, time
import hpo_core
from hpo_core import ProcessExecutor, report, uniform

def report_then_linger(config):
    report({"loss": config["a"]})
    time.sleep(0.5)  # its end message arrives well after the STOP: the worker is still ending

if __name__ == "__main__":
    analysis = hpo_core.run(report_then_linger, {"a": uniform(0, 1)}, num_samples=10, metric="loss", mode="min",
                            stop={"training_iteration": 1}, executor=ProcessExecutor(2), storage_path=sys.argv[1],
                            verbose=0, seed=0)
    print(sorted(t.status.name for t in analysis.trials))
"""


def test_workers_still_ending_their_stopped_runs_do_not_end_the_experiment(tmp_path):
    """Both pool workers told STOP at once and busy ending: no free slot and nothing running is no reason to stop."""
    script = tmp_path / "linger.py"
    script.write_text(LINGER)
    out = subprocess.run([sys.executable, str(script), str(tmp_path)], capture_output=True, text=True, timeout=120,
                         check=False, env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(__file__))})
    assert out.stdout.strip() == str(["TERMINATED"] * 10), out.stderr


class RunAheadExecutor(Executor):
    """Each trial runs to its end when started and the next poll hands over all its reports at once, as a trial
    that runs ahead of the driver does on Ray: reports made past a PAUSE reach the driver before the pause reaches
    the trial. Checkpoints are the step reached; a resumed trial goes on from its checkpoint."""

    def setup(self, trainable, *, resources_per_trial=None, max_concurrent_trials=None) -> None:
        self.events, self.live = [], set()

    def free_slots(self) -> int:
        return 2 - len(self.live)

    def start(self, suggestion) -> None:
        self.live.add(suggestion.trial_id)
        first = (suggestion.checkpoint or 0) + 1
        for step in range(first, 10):
            metrics = {"t": step, "score": suggestion.config["w"] * step}
            self.events.append(Reported(suggestion.trial_id, metrics, checkpoint=step))
        self.events.append(Completed(suggestion.trial_id))

    def poll(self, timeout: float) -> list:
        events, self.events = self.events, []
        return events

    def apply(self, trial_id: str, decision) -> None:
        if decision is not Decision.CONTINUE:
            self.live.discard(trial_id)

    def running(self) -> set[str]:
        return set(self.live)

    def shutdown(self) -> None:
        self.events.clear()


def test_reports_made_past_a_pause_are_dropped_not_failed():
    """A report of a trial the scheduler has just paused was made beyond its pause point: the trial resumes from
    the pause's checkpoint and makes it again, so the driver drops it (it used to fail the trial)."""
    from hpo_core.schedulers import HyperBandScheduler

    analysis = run(lambda config: None, config={"w": uniform(0, 1)}, num_samples=6, metric="score", mode="max",
                   scheduler=HyperBandScheduler(time_attr="t", max_t=9), executor=RunAheadExecutor(), seed=0,
                   verbose=0)
    assert [t.status for t in analysis.trials] == [TrialStatus.TERMINATED] * 6
    paused_and_resumed = 0
    for trial in analysis.trials:
        steps = [r["t"] for r in trial.results]
        assert steps == list(range(1, len(steps) + 1)), f"{trial}: steps {steps}, each once and in order"
        paused_and_resumed += len(steps) > 1 and trial.error is None
    assert paused_and_resumed >= 1


def test_the_serial_executor_runs_every_trial_on_one_kept_thread(tmp_path):
    """One worker thread for all trials (not one made per trial); a failing trial does not end it, and the thread
    is gone after the run."""
    import threading

    threads = []

    def trainable(config):
        threads.append(threading.current_thread())
        if config["i"] == 2:
            raise ValueError("boom")
        report({"loss": config["i"]})
        report({"loss": config["i"] - 1})

    from hpo_core import grid_search

    analysis = run(trainable, {"i": grid_search([0, 1, 2, 3, 4])}, metric="loss", mode="min", seed=0,
                   executor=SerialExecutor(), storage_path=str(tmp_path), verbose=0, raise_on_failed_trial=False)
    assert len(threads) == 5 and len(set(threads)) == 1 and threads[0] is not threading.current_thread()
    assert sorted(len(t.results) for t in analysis.trials) == [0, 2, 2, 2, 2]
    threads[0].join(timeout=5)
    assert not threads[0].is_alive()
