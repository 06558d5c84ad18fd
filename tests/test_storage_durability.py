"""The durability model: results are written before their decision is applied; fsync on the interval, at close, and
on every batch with `sync_interval_s=0`."""
from __future__ import annotations

import os
import time

import pytest

import hpo_core
from hpo_core import Callback, SerialExecutor, report, uniform
from hpo_core.errors import AsktellValueError
from hpo_core.storage import journal as journal_module
from hpo_core.storage.journal import Journal, read_records


@pytest.fixture
def fsyncs(monkeypatch):
    """Counts the journal's real fsync calls (they still happen)."""
    monkeypatch.setenv("ASKTELL_JOURNAL_FSYNC", "1")
    calls = []
    real = os.fsync

    def counting(fd):
        calls.append(fd)
        real(fd)

    monkeypatch.setattr(journal_module.os, "fsync", counting)
    return calls


def _reporting(config):
    for step in range(5):
        report({"loss": config["x"] + step})


class ReadsTheJournal(Callback):
    """At each result (after tell, before the decision reaches the trial): is its record in the file already?"""

    def __init__(self):
        self.seen = []

    def on_trial_result(self, iteration, trials, trial, result, **info):
        path = os.path.join(os.path.dirname(trial.path), "journal.jsonl")
        tells = [r for r in read_records(path) if r["ev"] == "tell" and r["id"] == trial.trial_id]
        self.seen.append(len(tells) == result["training_iteration"])


def _run(tmp_path, **kwargs):
    return hpo_core.run(_reporting, {"x": uniform(0, 1)}, num_samples=4, metric="loss", mode="min", seed=0,
                        executor=SerialExecutor(), storage_path=tmp_path, name="e", verbose=0, **kwargs)


def test_every_result_is_in_the_file_before_its_decision_and_fsync_waits_for_the_interval(tmp_path, fsyncs):
    reader = ReadsTheJournal()
    _run(tmp_path, callbacks=[reader], sync_interval_s=30)
    assert reader.seen == [True] * 20
    assert len(fsyncs) == 1  # the run took far less than 30 s: only the fsync at close


def test_sync_interval_zero_fsyncs_every_batch(tmp_path, fsyncs):
    _run(tmp_path, sync_interval_s=0)
    assert len(fsyncs) >= 20  # at least one per result (the serial executor's batches hold one report each)


def test_the_syncer_thread_fsyncs_within_the_interval_without_any_call(tmp_path, fsyncs):
    journal = Journal(str(tmp_path / "j.jsonl"), sync_interval_s=0.05)
    journal.write({"ev": "x"})
    deadline = time.monotonic() + 5
    while not fsyncs and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(fsyncs) == 1
    time.sleep(0.2)
    assert len(fsyncs) == 1  # nothing new written: no more fsyncs
    journal.write({"ev": "y"})
    journal.close()
    assert len(fsyncs) == 2
    assert [r["ev"] for r in read_records(str(tmp_path / "j.jsonl"))] == ["x", "y"]


@pytest.mark.parametrize("value", [-1, "1", True, float("nan")])
def test_a_bad_sync_interval_is_refused_by_name(tmp_path, value):
    with pytest.raises(AsktellValueError, match="sync_interval_s"):
        _run(tmp_path, sync_interval_s=value)
    assert not os.path.exists(tmp_path / "e")
