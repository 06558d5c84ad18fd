"""Faults in experiment folders: PBT exploits then failures, damaged journals, paths that leave the folder,
unloadable checkpoints, the folder lock, and runs refused at start."""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import warnings

import pytest

import hpo_core
from hpo_core import Callback, ExperimentAnalysis, SerialExecutor, report, uniform
from hpo_core.cli import main
from hpo_core.errors import AsktellValueError, TrialsFailedError
from hpo_core.session import get_checkpoint, get_session
from hpo_core.storage import (
    ExperimentLockedError,
    ExperimentStorage,
    JournalDamagedError,
    JournalDamageWarning,
    UnsafePathError,
    load_experiment,
)

sys.path.insert(0, os.path.dirname(__file__))
import storage_child  # the experiments of the crash tests, reused here in-process

sys.path.pop(0)


def _member(starts, fail_once=None):
    """`storage_child.pbt_member`, logging its starts to a list; fails once per trial right after its exploit."""

    def member(config):
        me = get_session().trial_id
        state = get_checkpoint() or {"step": 0, "score": 0.0, "owner": me}
        starts.append((me, state["owner"], state["step"], state["score"]))
        if fail_once is not None and state["owner"] != me and me not in fail_once:
            fail_once.add(me)
            raise RuntimeError("worker lost right after the exploit")
        while state["step"] < 12:
            state = {"step": state["step"] + 1, "score": state["score"] + config["lr"], "owner": me}
            report({"score": state["score"]}, checkpoint=state)

    return member


def _rows(analysis):
    return [(t.trial_id, t.config, [(r["training_iteration"], r["score"]) for r in t.results])
            for t in sorted(analysis.trials, key=lambda t: t.trial_id)]


def test_a_retry_after_a_pbt_exploit_restores_the_donors_checkpoint(tmp_path):
    starts, failed = [], set()
    storage_child.run_pbt(str(tmp_path), "pbt", False, max_failures=1, trainable=_member(starts, failed))
    assert failed
    for trial_id in failed:
        mine = [s for s in starts if s[0] == trial_id]
        failing = next(i for i, s in enumerate(mine) if s[1] != trial_id)
        assert mine[failing + 1] == mine[failing]  # the retry restored the donor's state, not its own older one


class InterruptAtExploit(Callback):
    """Ctrl-C as the first exploited trial starts."""

    def on_trial_start(self, iteration, trials, trial, **info):
        if trial.exploits:
            raise KeyboardInterrupt


def test_a_resume_after_a_pbt_exploit_restores_the_donors_checkpoint(tmp_path):
    reference = _rows(storage_child.run_pbt(str(tmp_path), "ref", False, trainable=_member([])))
    starts = []
    with pytest.raises(KeyboardInterrupt):
        storage_child.run_pbt(str(tmp_path), "pbt", False, trainable=_member(starts),
                              callbacks=[InterruptAtExploit()])
    exploited = next(t for t in load_experiment(tmp_path / "pbt").trials if t.exploits)
    donor_state = next(s for s in starts if s[0] == exploited.trial_id and s[1] != s[0])
    resumed = storage_child.run_pbt(str(tmp_path), "pbt", True, trainable=_member(starts))
    after = [s for s in starts[starts.index(donor_state) + 1:] if s[0] == exploited.trial_id]
    assert after[0] == donor_state  # restarted from the donor's checkpoint with the new config
    assert _rows(resumed) == reference


# --- damaged journals -------------------------------------------------------------------------------------------
def _small(tmp_path, name, resume=False, **kwargs):
    return storage_child.run_experiment(str(tmp_path), name, resume, **kwargs)


def _damage(journal, event, garbage=b"\x00\x00 not json \xff"):
    """Overwrite the second line of kind `event` in the middle of `journal`; returns its line number."""
    lines = journal.read_bytes().split(b"\n")
    numbers = [i for i, line in enumerate(lines[:-3]) if line and json.loads(line)["ev"] == event]
    index = numbers[1]
    lines[index] = garbage
    journal.write_bytes(b"\n".join(lines))
    return index + 1


@pytest.mark.parametrize("event", ["ask", "tell"])
def test_a_damaged_line_is_reported_with_its_number_by_every_reader(tmp_path, event, capsys):
    _small(tmp_path, "exp")
    journal = tmp_path / "exp" / "journal.jsonl"
    line = _damage(journal, event)
    with pytest.warns(JournalDamageWarning, match=f"line {line}: not a JSON record"):
        ExperimentAnalysis(str(tmp_path / "exp"))
    assert any(f"line {line}" in p for p in load_experiment(tmp_path / "exp", warn=False).problems)
    assert main(["ls", str(tmp_path)]) == 0
    assert f"line {line}" in capsys.readouterr().out
    assert main(["report", str(tmp_path / "exp"), "-o", str(tmp_path / "r.html")]) == 0
    assert f"line {line}" in capsys.readouterr().err
    with pytest.raises(JournalDamagedError, match=f"line {line}.*SKIP_DAMAGED"):
        _small(tmp_path, "exp", True)
    assert journal.read_bytes().count(b"\x00\x00 not json") == 1  # refused: nothing changed


def test_resume_with_skip_damaged_goes_on_from_the_records_before_the_damage(tmp_path):
    _small(tmp_path, "ref")
    _small(tmp_path, "exp")
    line = _damage(tmp_path / "exp" / "journal.jsonl", "ask")
    _small(tmp_path, "exp", "TRUE+SKIP_DAMAGED")
    assert _rows(ExperimentAnalysis(str(tmp_path / "exp"))) == _rows(ExperimentAnalysis(str(tmp_path / "ref")))
    kept = [name for name in os.listdir(tmp_path / "exp") if name.startswith("journal.jsonl.damaged")]
    assert len(kept) == 1 and load_experiment(tmp_path / "exp").problems == []
    assert line > 1


class InterruptAtStep5(Callback):
    """Ctrl-C at the 5th result of one trial (it has a checkpoint at step 4)."""

    def __init__(self, trial_id):
        self.trial_id = trial_id

    def on_trial_result(self, iteration, trials, trial, result, **info):
        if trial.trial_id == self.trial_id and result["training_iteration"] == 5:
            raise KeyboardInterrupt


def _interrupted(root, trial_id):
    """`storage_child`'s experiment in `root/exp`, interrupted in trial `trial_id`; returns its journal."""
    with pytest.raises(KeyboardInterrupt):
        _small(root, "exp", callbacks=[InterruptAtStep5(trial_id)])
    return root / "exp" / "journal.jsonl"


def test_an_unloadable_checkpoint_restarts_the_trial_and_its_iteration_count(tmp_path):
    _interrupted(tmp_path, "00005")
    trial = next(t for t in load_experiment(tmp_path / "exp").trials if t.trial_id == "00005")
    assert trial.checkpoint.endswith("checkpoint_000004.pkl")
    with open(trial.checkpoint, "wb") as handle:
        handle.write(b"not a pickle")
    resumed = _small(tmp_path, "exp", True)
    for one in resumed.trials:  # the experiment's count and the trainable's own step agree in every row
        assert [r["training_iteration"] for r in one.results] == [r["step"] for r in one.results]


# --- paths that leave the folder --------------------------------------------------------------------------------
class Trap:
    """Unpickling it leaves a file behind: proof that a checkpoint outside the folder was loaded."""

    def __init__(self, proof):
        self.proof = proof

    def __reduce__(self):
        return (open, (self.proof, "w"))


def _edit(journal, event, key, value):
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    target = [r for r in records if r["ev"] == event and r.get("id") == "00000" and key in r][-1]
    target[key] = value
    journal.write_text("".join(json.dumps(r) + "\n" for r in records))


@pytest.mark.parametrize("key,value", [("ck", "../../../trap.pkl"), ("dir", "../outside"), ("dir", "<abs>")])
def test_journal_paths_outside_the_folder_are_refused(tmp_path, key, value):
    value = str(tmp_path / "abs") if value == "<abs>" else value
    journal = _interrupted(tmp_path / "root", "00000")
    (tmp_path / "trap.pkl").write_bytes(pickle.dumps(Trap(str(tmp_path / "proof"))))
    _edit(journal, "tell" if key == "ck" else "ask", key, value)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(AsktellValueError, match="outside"):
        _small(tmp_path / "root", "exp", True)
    assert sorted(os.listdir(tmp_path)) == before and not (tmp_path / "proof").exists()
    with pytest.warns(JournalDamageWarning, match="outside"):
        ExperimentAnalysis(str(tmp_path / "root" / "exp"))


def test_readers_of_a_folder_unpickle_nothing(tmp_path, capsys):
    journal = _interrupted(tmp_path / "root", "00000")
    trial = next(t for t in load_experiment(journal.parent).trials if t.trial_id == "00000")
    with open(trial.checkpoint, "wb") as handle:  # a checkpoint that runs code when it is unpickled
        pickle.dump(Trap(str(tmp_path / "proof")), handle)
    ExperimentAnalysis(str(journal.parent)).dataframe()
    assert main(["ls", str(tmp_path / "root")]) == 0
    assert main(["report", str(journal.parent), "-o", str(tmp_path / "r.html")]) == 0
    assert not (tmp_path / "proof").exists()
    with pytest.raises(TrialsFailedError):  # a resume does unpickle it (docs/persistence.md says so)...
        _small(tmp_path / "root", "exp", True)  # ...and the trial fails on the file object it got
    assert (tmp_path / "proof").exists()


def test_a_trial_folder_that_is_a_link_out_of_the_folder_is_refused(tmp_path):
    journal = _interrupted(tmp_path / "root", "00000")
    trial = next(t for t in load_experiment(journal.parent).trials if t.trial_id == "00000")
    outside = tmp_path / "elsewhere"
    os.rename(trial.path, outside)
    os.symlink(outside, trial.path)
    with pytest.raises(UnsafePathError, match="journal line"):
        _small(tmp_path / "root", "exp", True)
    assert sorted(os.listdir(outside)) == sorted(os.listdir(trial.path))


# --- the folder lock and runs refused at start ------------------------------------------------------------------
def test_a_folder_is_opened_by_one_driver_at_a_time(tmp_path):
    first = ExperimentStorage.open("t", name="exp", storage_path=tmp_path)
    try:
        with pytest.raises(ExperimentLockedError, match=f"{tmp_path / 'exp'}.*this process"):
            ExperimentStorage.open("t", name="exp", storage_path=tmp_path, resume="AUTO")
    finally:
        first.close(finished=False)
    ExperimentStorage.open("t", name="exp", storage_path=tmp_path, resume="AUTO").discard()


HOLD = r"""
import fcntl, json, os, socket, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
pid = os.getpid() if sys.argv[2] == "me" else int(sys.argv[2])
os.ftruncate(fd, 0)
os.write(fd, json.dumps({"pid": pid, "host": socket.gethostname()}).encode() + b"\n")
print("held", flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("holder_alive", [True, False])
def test_a_lock_held_for_a_dead_driver_is_taken_over(tmp_path, holder_alive):
    """A process the driver forked may keep its lock after the driver died: the dead pid in the file says so."""
    _small(tmp_path, "exp")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "exp" / "driver.lock"),
                               "me" if holder_alive else str(dead.pid)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline() == b"held\n"
        if holder_alive:
            with pytest.raises(ExperimentLockedError, match=f"locked by another driver \\(pid {holder.pid}"):
                _small(tmp_path, "exp", "AUTO")
        else:
            _small(tmp_path, "exp", "AUTO")
            assert load_experiment(tmp_path / "exp").state.name == "FINISHED"
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


@pytest.mark.parametrize("name", [None, "named"])
def test_a_run_refused_at_start_leaves_no_folder(tmp_path, name):
    with pytest.raises(AsktellValueError, match="max_failures"):
        hpo_core.run(lambda config: {"x": 1}, {"a": uniform(0, 1)}, storage_path=tmp_path, name=name,
                     max_failures=-5, executor=SerialExecutor(), verbose=0)
    with pytest.raises(AsktellValueError, match="resources"):
        hpo_core.run(lambda config: {"x": 1}, {"a": uniform(0, 1)}, storage_path=tmp_path, name=name,
                     resources_per_trial={"cpu": -1}, verbose=0)
    assert os.listdir(tmp_path) == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        hpo_core.run(lambda config: {"x": 1}, {"a": uniform(0, 1)}, storage_path=tmp_path, name=name,
                     executor=SerialExecutor(), verbose=0)
    assert len(os.listdir(tmp_path)) == 1
