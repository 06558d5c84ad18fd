"""Crash safety: a driver SIGKILLed at several points resumes to exactly the run it would have been."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from hpo_core import ExperimentAnalysis, TrialStatus
from hpo_core.storage import ResumeMismatchError, load_experiment

CHILD = os.path.join(os.path.dirname(__file__), "storage_child.py")
ENV = {**os.environ, "ASKTELL_JOURNAL_FSYNC": "0", "PYTHONPATH": os.path.dirname(os.path.dirname(CHILD))}


def _child(storage, name, resume, freeze=None, executor="serial", experiment="stopper", **env_vars):
    env = {**ENV, "FREEZE": json.dumps(freeze or {}), "EXECUTOR": executor, "EXPERIMENT": experiment, **env_vars}
    return subprocess.Popen([sys.executable, CHILD, str(storage), name, json.dumps(resume)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _frozen_child(tmp_path, name, resume, freeze, **kwargs):
    """A child run that froze at `freeze` (the test then SIGKILLs it, or lets it hold the folder)."""
    marker = tmp_path / f"frozen-{name}-{len(list(tmp_path.glob('frozen-*')))}"
    proc = _child(tmp_path, name, resume, {**freeze, "marker": str(marker)}, **kwargs)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return proc


def _kill(proc):
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()


def _child_module():
    sys.path.insert(0, os.path.dirname(CHILD))
    try:
        import storage_child
    finally:
        sys.path.pop(0)
    return storage_child


def _run(storage, name, resume):
    """In this process: the reference run and the resumes (a resume needs no fresh interpreter)."""
    storage_child = _child_module()
    saved = os.environ.get("ASKTELL_JOURNAL_FSYNC")
    os.environ["ASKTELL_JOURNAL_FSYNC"] = "0"
    try:
        storage_child.run_experiment(str(storage), name, resume)
    finally:
        if saved is None:
            del os.environ["ASKTELL_JOURNAL_FSYNC"]
        else:
            os.environ["ASKTELL_JOURNAL_FSYNC"] = saved


def _summary(path):
    analysis = ExperimentAnalysis(str(path))
    return [(t.trial_id, t.status, t.config, [(r["training_iteration"], r["score"]) for r in t.results])
            for t in sorted(analysis.trials, key=lambda t: t.trial_id)]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("ref")
    _run(root, "ref", False)
    return _summary(root / "ref")


FREEZES = [
    {"at": "trial", "trial": "00002", "step": 2},  # during a trial, before its first checkpoint
    {"at": "trial", "trial": "00003", "step": 2, "executor": "process"},  # a pool of 2 workers, one frozen
    {"at": "trial", "trial": "00005", "step": 5},  # during a trial, with a checkpoint at step 4
    {"at": "between", "trial": "00003"},  # after a trial completed, before the next one starts
    {"at": "write", "record": 30},  # half of a journal line written
]


@pytest.mark.slow
@pytest.mark.parametrize("freeze", FREEZES, ids=[f["at"] + str(i) for i, f in enumerate(FREEZES)])
def test_sigkill_then_resume_gives_the_uninterrupted_run(tmp_path, reference, freeze):
    marker = tmp_path / "frozen"
    proc = _child(tmp_path, "exp", False, {**freeze, "marker": str(marker)}, executor=freeze.get("executor", "serial"))
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    loaded = load_experiment(tmp_path / "exp")  # readable after the crash
    assert loaded.state.name == "INTERRUPTED"
    assert any(not t.status.is_finished for t in loaded.trials) or len(loaded.trials) < 8
    os.environ["STARTS_LOG"] = str(tmp_path / "starts.log")
    try:
        _run(tmp_path, "exp", True)  # resumed with the serial executor: the executor is no part of the state
    finally:
        del os.environ["STARTS_LOG"]
    starts = [tuple(line.split()) for line in (tmp_path / "starts.log").read_text().splitlines()]
    if freeze.get("at") == "trial":  # the frozen trial went on from its last checkpoint (steps 2, 4, 6)
        assert [s for s in starts if s[0] == freeze["trial"]] == [(freeze["trial"],
                                                                   str((freeze["step"] - 1) // 2 * 2 + 1))]
    resumed = _summary(tmp_path / "exp")
    assert len(resumed) == 8
    assert all(status is TrialStatus.TERMINATED for _, status, _, _ in resumed)
    for _, _, _, results in resumed:
        steps = [step for step, _ in results]
        assert steps == list(range(1, len(steps) + 1))  # none lost, none twice
    assert [config for _, _, config, _ in resumed] == [config for _, _, config, _ in reference]
    for _, _, config, results in resumed:
        assert all(score == pytest.approx(config["a"] * step + config["b"]) for step, score in results)
    if "executor" not in freeze:  # one trial at a time: the very same early stops and results
        assert resumed == reference
    assert load_experiment(tmp_path / "exp").state.name == "FINISHED"
    for trial in ExperimentAnalysis(str(tmp_path / "exp")).trials:  # the loggers' files agree with the journal
        with open(os.path.join(trial.path, "result.json")) as handle:
            assert [json.loads(line)["training_iteration"] for line in handle] == \
                [r["training_iteration"] for r in trial.results]


@pytest.mark.slow
def test_resume_refuses_a_missing_folder_or_another_space(tmp_path):
    import hpo_core
    from hpo_core import SerialExecutor, uniform
    from hpo_core.errors import AsktellValueError

    def trainable(config):
        return {"score": config["a"]}

    with pytest.raises(AsktellValueError, match="no experiment to resume"):
        hpo_core.run(trainable, {"a": uniform(0, 1)}, name="nope", storage_path=tmp_path, resume=True,
                     executor=SerialExecutor(), verbose=0)
    hpo_core.run(trainable, {"a": uniform(0, 1)}, num_samples=2, metric="score", mode="min", name="e",
                 storage_path=tmp_path, executor=SerialExecutor(), verbose=0)
    with pytest.raises(ResumeMismatchError, match="search space"):
        hpo_core.run(trainable, {"a": uniform(0, 2)}, num_samples=2, metric="score", mode="min", name="e",
                     storage_path=tmp_path, resume=True, executor=SerialExecutor(), verbose=0)
    with pytest.raises(AsktellValueError, match="already holds an experiment"):
        hpo_core.run(trainable, {"a": uniform(0, 1)}, num_samples=2, metric="score", mode="min", name="e",
                     storage_path=tmp_path, executor=SerialExecutor(), verbose=0)


@pytest.mark.slow
@pytest.mark.parametrize("part", [0.0, 0.5], ids=["empty", "torn"])
@pytest.mark.parametrize("resume", [False, True, "AUTO"])
def test_sigkill_before_the_header_leaves_the_name_usable(tmp_path, reference, resume, part):
    """Killed while writing its first journal line: no trial ran, and the name starts the experiment afresh."""
    _kill(_frozen_child(tmp_path, "exp", False, {"at": "write", "record": 1, "part": part}))
    assert (tmp_path / "exp" / "journal.jsonl").read_bytes().count(b"\n") == 0  # no complete record
    _run(tmp_path, "exp", resume)
    assert _summary(tmp_path / "exp") == reference


def _starts(path):
    return [tuple(json.loads(line)) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def pbt_reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("pbtref")
    _child_module().run_pbt(str(root), "ref", False)
    return _summary(root / "ref")


@pytest.mark.slow
def test_sigkill_right_after_a_pbt_exploit_resumes_from_the_donors_checkpoint(tmp_path, pbt_reference):
    starts_log = tmp_path / "starts.log"
    _kill(_frozen_child(tmp_path, "pbt", False, {"at": "exploit"}, experiment="pbt", STARTS_LOG=str(starts_log)))
    frozen = _starts(starts_log)[-1]
    assert frozen[1] != frozen[0]  # it was killed while starting from a donor's state
    adopted = next(t for t in load_experiment(tmp_path / "pbt").trials if t.trial_id == frozen[0])
    assert os.path.dirname(adopted.checkpoint) == adopted.path  # the journal names the trial's own copy
    os.environ["STARTS_LOG"] = str(starts_log)
    try:
        _child_module().run_pbt(str(tmp_path), "pbt", True)
    finally:
        del os.environ["STARTS_LOG"]
    starts = _starts(starts_log)
    restarted = next(s for s in starts[starts.index(frozen) + 1:] if s[0] == frozen[0])
    assert restarted == frozen  # the donor's state again, not the trial's own from before the exploit
    assert _summary(tmp_path / "pbt") == pbt_reference


@pytest.mark.slow
def test_a_second_driver_on_a_running_folder_is_refused(tmp_path, reference):
    """Two `resume=True` drivers at once: the second is refused and names the folder and the first driver."""
    _kill(_frozen_child(tmp_path, "exp", False, {"at": "trial", "trial": "00002", "step": 2}))
    first = _frozen_child(tmp_path, "exp", True, {"at": "trial", "trial": "00004", "step": 3})
    second = _child(tmp_path, "exp", True)
    assert second.wait(timeout=60) != 0
    error = second.stderr.read().decode()
    second.stderr.close()
    assert "ExperimentLockedError" in error and str(tmp_path / "exp") in error and f"pid {first.pid}" in error
    _kill(first)  # the lock of a killed driver is free again: the next resume runs
    _run(tmp_path, "exp", True)
    resumed = _summary(tmp_path / "exp")
    assert resumed == reference
