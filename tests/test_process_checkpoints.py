"""Checkpoints on the process pool: a worker's pickle travels as it is (read in one copy) and becomes the file."""
from __future__ import annotations

import multiprocessing as mp
import os
import struct
import threading

import cloudpickle
import pytest

import hpo_core
from hpo_core import Callback, Experiment, ProcessExecutor, report, uniform
from hpo_core.callbacks import CallbackList
from hpo_core.driver import Driver
from hpo_core.executors.base import PickledCheckpoint
from hpo_core.executors.wire import MessageReader
from hpo_core.schedulers import HyperBandScheduler


def big_checkpoints(config):
    start = hpo_core.get_checkpoint() or {"step": 0}
    for step in range(start["step"] + 1, 5):
        report({"loss": config["x"] / step}, checkpoint={"step": step, "blob": bytes(range(256)) * 1024})


class Seen(Callback):
    def __init__(self) -> None:
        self.checkpoints = []

    def on_checkpoint(self, iteration, trials, trial, checkpoint, **info):
        self.checkpoints.append(checkpoint)


def test_a_pool_checkpoint_is_the_workers_pickle_on_disk_and_callbacks_get_the_object(tmp_path):
    seen = Seen()
    analysis = hpo_core.run(big_checkpoints, {"x": uniform(0, 1)}, num_samples=3, metric="loss", mode="min",
                            seed=0, executor=ProcessExecutor(2), storage_path=str(tmp_path), verbose=0,
                            callbacks=[seen])
    assert len(seen.checkpoints) == 12
    assert all(type(c) is dict and len(c["blob"]) == 256 * 1024 for c in seen.checkpoints)
    for trial in analysis.trials:
        with open(trial.checkpoint.path, "rb") as handle:
            assert cloudpickle.load(handle)["step"] == 4


def test_a_bare_loop_resumes_paused_trials_from_the_workers_pickles():
    """Without a folder the experiment keeps the pickle as it came; the worker that resumes the trial unpickles
    it, so every trial goes on from its pause (steps 1-4 each reported once)."""
    experiment = Experiment({"x": uniform(0, 1)}, metric="loss", mode="min", num_samples=4, seed=1,
                            scheduler=HyperBandScheduler(max_t=4, reduction_factor=2))
    executor = ProcessExecutor(2)
    executor.setup(big_checkpoints)
    Driver(experiment, executor, CallbackList([])).run()
    trials = list(experiment.trials.values())
    assert any(isinstance(t.checkpoint, PickledCheckpoint) for t in trials)
    longest = max(trials, key=lambda t: len(t.results))
    assert [r["training_iteration"] for r in longest.results] == [1, 2, 3, 4]
    assert longest.checkpoint.load()["step"] == 4


@pytest.mark.parametrize("duplex", [True, False], ids=["socket", "pipe"])
def test_the_message_reader_reads_what_send_bytes_wrote(duplex):
    reader_end, writer_end = mp.Pipe(duplex=duplex)
    reader = MessageReader(reader_end)
    assert (reader._socket is not None) == duplex
    messages = [b"", b"small", os.urandom(300_000), b"next"]  # larger than the buffer: written by a thread
    writer = threading.Thread(target=lambda: [writer_end.send_bytes(m) for m in messages])
    writer.start()
    assert [bytes(reader.read()) for _ in messages[:3]] == messages[:3]
    assert reader_end.recv_bytes() == b"next"  # the connection's own reads go on where the reader stopped
    writer.join()
    reader.close()


def test_a_message_cut_short_is_an_eof_error():
    reader_end, writer_end = mp.Pipe()
    reader = MessageReader(reader_end)
    os.write(writer_end.fileno(), struct.pack("!i", 1000) + b"x" * 10)
    writer_end.close()
    with pytest.raises(EOFError):
        reader.read()
    reader.close()
