"""The loggers' files: rebuilt from the journal (never appended to when its records are gone), and the background
`Appender`: a drain with a timeout, and a failing close that does not stop it."""
from __future__ import annotations

import csv
import json
import logging
import os
import threading
import time

import pytest

import hpo_core
from hpo_core import SerialExecutor, report, uniform
from hpo_core.storage.appender import Appender
from hpo_core.storage.journal import read_records


def _three_steps(config):
    for step in range(1, 4):
        report({"loss": config["x"] * step})


def _run(tmp_path, resume=False):
    return hpo_core.run(_three_steps, {"x": uniform(0, 1)}, num_samples=3, metric="loss", mode="min", seed=4,
                        executor=SerialExecutor(), storage_path=tmp_path, name="e", verbose=0, resume=resume)


def _cut_journal(path, keep):
    with open(path) as handle:
        lines = handle.readlines()
    with open(path, "w") as handle:
        handle.writelines(lines[:keep])


@pytest.mark.parametrize("keep", [1, 6], ids=["header-only", "cut-in-a-trial"])
def test_trial_files_are_rebuilt_from_the_journal_when_its_records_are_gone(tmp_path, keep):
    _run(tmp_path)
    journal = str(tmp_path / "e" / "journal.jsonl")
    _cut_journal(journal, keep)  # as if the tail of the journal was lost (or the folder copied mid-run)
    analysis = _run(tmp_path, resume=True)
    assert [r["ev"] for r in read_records(journal)].count("resume") == 1
    for trial in analysis.trials:
        with open(os.path.join(trial.path, "progress.csv"), newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [int(r["training_iteration"]) for r in rows] == [1, 2, 3]  # no stale rows appended to
        with open(os.path.join(trial.path, "result.json")) as handle:
            assert [json.loads(line)["training_iteration"] for line in handle] == [1, 2, 3]
        if pytest.importorskip("tensorboardX"):
            assert len([f for f in os.listdir(trial.path) if f.startswith("events.out.tfevents.")]) == 1


def test_a_close_that_fails_neither_stops_the_appender_nor_hangs_drain(tmp_path, caplog):
    appender = Appender()
    appender.write("/dev/full", b"x" * 10)  # buffered: the write fails only when the file is closed
    finished = []
    waiter = threading.Thread(target=lambda: finished.append(appender.drain()), daemon=True)
    with caplog.at_level(logging.WARNING, logger="asktell"):
        waiter.start()
        waiter.join(10)
    assert finished == [True]
    assert any("/dev/full" in r.getMessage() for r in caplog.records)
    appender.write(str(tmp_path / "later.txt"), b"still working\n")  # the thread lives on
    assert appender.drain(timeout=10)
    assert (tmp_path / "later.txt").read_bytes() == b"still working\n"


def test_drain_gives_up_after_its_timeout(tmp_path, caplog):
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    appender = Appender()
    appender.write(fifo, b"blocked\n")  # opening a FIFO for writing blocks until someone reads it
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="asktell"):
        assert appender.drain(timeout=0.3) is False
    assert 0.25 <= time.monotonic() - started < 5
    assert any("still being written" in r.getMessage() for r in caplog.records)
    with open(fifo, "rb") as reader:  # unblock it: the write goes through, and a later drain completes
        assert appender.drain(timeout=10)
        assert reader.read() == b"blocked\n"


def test_curve_files_appear_only_for_trials_with_a_curve(tmp_path):
    """A one-shot trial gets no folder (its config and result are in the journal); from the second result on,
    params.json, result.json, progress.csv and the TensorBoard file appear with the whole history."""

    def one_or_three(config):
        for step in range(1 if config["x"] < 0.5 else 3):
            report({"loss": config["x"] + step})

    analysis = hpo_core.run(one_or_three, {"x": uniform(0, 1)}, num_samples=8, metric="loss", mode="min", seed=1,
                            executor=SerialExecutor(), storage_path=tmp_path, name="e", verbose=0)
    lengths = set()
    for trial in analysis.trials:
        lengths.add(len(trial.results))
        has_curve = len(trial.results) > 1
        assert os.path.isdir(trial.path) == has_curve
        if not has_curve:
            assert trial.config and trial.last_result["loss"] == trial.config["x"]  # kept in the journal
            continue
        files = set(os.listdir(trial.path))
        assert {"params.json", "result.json", "progress.csv"} <= files
        with open(os.path.join(trial.path, "result.json")) as handle:
            assert [json.loads(line)["training_iteration"] for line in handle] == [1, 2, 3]
        if has_curve:
            with open(os.path.join(trial.path, "progress.csv"), newline="") as handle:
                assert [int(r["training_iteration"]) for r in csv.DictReader(handle)] == [1, 2, 3]
        if pytest.importorskip("tensorboardX"):
            assert any(f.startswith("events.out.tfevents.") for f in files) == has_curve
    assert lengths == {1, 3}


def test_tensorboard_events_are_encoded_as_tensorboardx_reads_them():
    np = pytest.importorskip("numpy")
    pytest.importorskip("tensorboardX")
    from hpo_core.loggers.tbx import TBXLoggerCallback, _tbx

    logger = TBXLoggerCallback()
    logger.setup()
    result = {"loss": 0.25, "n": 7, "np": np.float32(1.5), "big": 10**50, "flag": True, "name": "x",
              "nested": {"a": -2, "b": "text"}, "training_iteration": 300, "timestamp": 1.5e9, "config": {"lr": 1}}
    event = _tbx()[0].FromString(logger._event(result))
    assert (event.step, event.wall_time) == (300, 1.5e9)
    assert [(v.tag, v.simple_value) for v in event.summary.value] == [
        ("asktell/loss", 0.25), ("asktell/n", 7.0), ("asktell/np", 1.5), ("asktell/big", float("inf")),
        ("asktell/nested/a", -2.0), ("asktell/timestamp", pytest.approx(1.5e9))]


def test_a_one_shot_trial_gets_its_folder_only_for_what_is_its_own(tmp_path):
    """No folder for a trivial one-shot trial; params.json beside what it keeps otherwise: an error, a checkpoint,
    or a file a callback wrote in the trial's folder."""

    def one_shot(config):
        if config["kind"] == "error":
            raise ValueError("boom")
        report({"loss": 1.0}, checkpoint={"w": 1} if config["kind"] == "checkpoint" else None)

    class SavesAModel(hpo_core.Callback):
        def on_trial_result(self, iteration, trials, trial, result, **info):
            if trial.config["kind"] == "file":
                os.makedirs(trial.path, exist_ok=True)
                with open(os.path.join(trial.path, "model.txt"), "w") as handle:
                    handle.write("weights")

    analysis = hpo_core.run(one_shot, {"kind": hpo_core.grid_search(["plain", "error", "file", "checkpoint"])},
                            metric="loss", mode="min", seed=0, executor=SerialExecutor(), storage_path=tmp_path,
                            name="e", verbose=0, raise_on_failed_trial=False, callbacks=[SavesAModel()])
    folders = {t.config["kind"]: set(os.listdir(t.path)) if os.path.isdir(t.path) else None for t in analysis.trials}
    assert folders["plain"] is None
    assert folders["error"] == {"params.json", "error.txt"}
    assert folders["file"] == {"params.json", "model.txt"}
    assert "params.json" in folders["checkpoint"] and any(f.startswith("checkpoint_") for f in folders["checkpoint"])
    for trial in analysis.trials:
        if folders[trial.config["kind"]] is not None:
            with open(os.path.join(trial.path, "params.json")) as handle:
                assert json.load(handle) == trial.config
