"""Checkpoints off the driver thread: files written in the background, the previous one removed only after the journal
naming the new one is durable, memory bounded, and resume from the newest file that exists (also after SIGKILL)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import cloudpickle
import pytest

import hpo_core
from hpo_core import Callback, ExperimentAnalysis, SerialExecutor, TrialStatus, report, uniform
from hpo_core.errors import AsktellValueError
from hpo_core.session import get_checkpoint
from hpo_core.storage import checkpoints as checkpoints_module
from hpo_core.storage import load_experiment
from hpo_core.storage.checkpoints import DiskCheckpoint
from hpo_core.storage.journal import read_records

CHILD = os.path.join(os.path.dirname(__file__), "checkpoint_child.py")
ENV = {**os.environ, "ASKTELL_JOURNAL_FSYNC": "0", "PYTHONPATH": os.path.dirname(os.path.dirname(CHILD))}


def _stepper(config):
    """Six steps, a checkpoint at each; logs where each run of the trial started."""
    state = get_checkpoint() or {"step": 0}
    if config.get("log"):
        with open(config["log"], "a") as handle:
            handle.write(f"{config['x']} {state['step']}\n")
    for step in range(state["step"] + 1, 7):
        report({"loss": config["x"] * step}, checkpoint={"step": step})


def _run(tmp_path, name="e", **kwargs):
    kwargs.setdefault("config", {"x": uniform(0, 1)})
    return hpo_core.run(_stepper, num_samples=3, metric="loss", mode="min", seed=2, executor=SerialExecutor(),
                        storage_path=tmp_path, name=name, verbose=0, **kwargs)


def _checkpoint_files(trial_path):
    return sorted(f for f in os.listdir(trial_path) if f.startswith("checkpoint_") and f.endswith(".pkl"))


def test_finished_trials_keep_their_newest_checkpoints_on_disk_only(tmp_path):
    analysis = _run(tmp_path, keep_checkpoints_num=2)
    for trial in analysis.trials:
        assert _checkpoint_files(trial.path) == ["checkpoint_000005.pkl", "checkpoint_000006.pkl"]
        assert isinstance(trial.checkpoint, DiskCheckpoint)
        assert trial.checkpoint.value is None and trial.checkpoint.data is None  # nothing held in memory
        assert trial.checkpoint.load() == {"step": 6}
    with pytest.raises(AsktellValueError, match="keep_checkpoints_num"):
        _run(tmp_path, name="bad", keep_checkpoints_num=0)


def test_an_old_checkpoint_goes_only_after_the_journal_naming_its_successor_is_fsynced(tmp_path, monkeypatch):
    monkeypatch.setenv("ASKTELL_JOURNAL_FSYNC", "1")
    events = []
    real_remove, real_sync = checkpoints_module.os.remove, checkpoints_module.Journal.sync_now

    def sync_now(journal):
        real_sync(journal)
        events.append(("synced", journal.path))

    def remove(path):
        events.append(("remove", path))
        real_remove(path)

    monkeypatch.setattr(checkpoints_module.Journal, "sync_now", sync_now)
    monkeypatch.setattr(checkpoints_module.os, "remove", remove)
    _run(tmp_path)
    removed = [path for kind, path in events if kind == "remove" and "checkpoint_" in path]
    assert len(removed) == 3 * 5  # every checkpoint but the last of each trial
    journal = os.path.join(tmp_path, "e", "journal.jsonl")
    for index, (kind, path) in enumerate(events):
        if kind == "remove":
            assert ("synced", journal) == events[index - 1]  # an fsync right before each removal


def test_resume_falls_back_to_the_newest_checkpoint_file_that_exists(tmp_path):
    log = str(tmp_path / "starts.log")

    class Interrupt(Callback):
        def on_trial_result(self, iteration, trials, trial, result, **info):
            if trial.trial_id == "00001" and result["training_iteration"] == 4:
                raise KeyboardInterrupt

    config = {"x": uniform(0, 1), "log": log}
    reference = _run(tmp_path, name="ref", config=config)
    os.remove(log)
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, config=config, keep_checkpoints_num=3, callbacks=[Interrupt()])
    trial_dir = next(p for p in os.listdir(tmp_path / "e") if p.startswith("_stepper_00001"))
    files = _checkpoint_files(tmp_path / "e" / trial_dir)
    assert files == ["checkpoint_000002.pkl", "checkpoint_000003.pkl", "checkpoint_000004.pkl"]
    os.remove(tmp_path / "e" / trial_dir / files[-1])  # as if the driver died before the thread wrote it
    resumed = _run(tmp_path, config=config, resume=True)
    x = resumed.trials[1].config["x"]
    with open(log) as handle:
        starts = [line for line in handle.read().splitlines() if line.startswith(f"{x} ")]
    assert starts == [f"{x} 0", f"{x} 3"]  # restarted after step 3: not 4 (gone), not from scratch
    assert [[r["loss"] for r in t.results] for t in resumed.trials] == \
        [[r["loss"] for r in t.results] for t in reference.trials]
    assert [r["training_iteration"] for r in resumed.trials[1].results] == [1, 2, 3, 4, 5, 6]
    assert _checkpoint_files(tmp_path / "e" / trial_dir) == ["checkpoint_000006.pkl"]  # leftovers removed


@pytest.mark.slow
def test_driver_memory_stays_bounded_with_40_mb_checkpoints(tmp_path):
    """12 trials, one at a time, each reporting two 40 MB checkpoints: the driver keeps only the live one."""
    out = subprocess.run([sys.executable, CHILD, "memory", str(tmp_path)], env=ENV, capture_output=True,
                         timeout=300, check=True)
    peak = float(out.stdout.decode().split()[-1])
    assert peak < 200, f"driver peak RSS {peak} MB"
    analysis = ExperimentAnalysis(str(tmp_path / "heavy"))
    assert len(analysis.trials) == 12
    for trial in analysis.trials:
        assert _checkpoint_files(trial.path) == ["checkpoint_000002.pkl"]


@pytest.mark.slow
def test_sigkill_during_a_burst_of_checkpoints_loses_no_result_and_leaves_a_loadable_checkpoint(tmp_path):
    ack = tmp_path / "ack.log"
    proc = subprocess.Popen([sys.executable, CHILD, "burst", str(tmp_path), "b", "false"],
                            env={**ENV, "ACK_LOG": str(ack)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not ack.exists() or len(ack.read_text().splitlines()) < 70:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    acknowledged = {tuple(json.loads(line)) for line in ack.read_text().splitlines() if line.endswith("]")}
    loaded = load_experiment(tmp_path / "b")
    journaled = {(t.trial_id, r["training_iteration"]) for t in loaded.trials for r in t.results}
    assert acknowledged <= journaled  # every result the driver acknowledged is in the journal
    for trial in loaded.trials:  # a trial that went on past a report had that report's checkpoint on disk
        if len(trial.results) < 2:
            continue
        files = _checkpoint_files(trial.path)
        assert files, trial
        with open(os.path.join(trial.path, files[-1]), "rb") as handle:
            assert len(trial.results) - 1 <= cloudpickle.load(handle)["step"] <= len(trial.results)
    sys.path.insert(0, os.path.dirname(CHILD))
    try:
        import checkpoint_child
    finally:
        sys.path.pop(0)
    resumed = checkpoint_child.run_burst(str(tmp_path), "b", True)
    steps = checkpoint_child.BURST_STEPS
    assert len(resumed.trials) == 6 and all(t.status is TrialStatus.TERMINATED for t in resumed.trials)
    for trial in resumed.trials:
        assert [r["training_iteration"] for r in trial.results] == list(range(1, steps + 1))
        assert [r["step"] for r in trial.results] == list(range(1, steps + 1))
    # a trial cut in the middle went on from a checkpoint, not from scratch
    cut = {t.trial_id for t in loaded.trials if not t.status.is_finished and 0 < len(t.results) < steps}
    assert all(any(r["resumed_at"] > 0 for r in t.results) for t in resumed.trials if t.trial_id in cut)
    records = list(read_records(str(tmp_path / "b" / "journal.jsonl")))
    assert records[-1]["ev"] == "end"
