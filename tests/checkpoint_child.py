"""Child process for the checkpoint tests: `python checkpoint_child.py memory <storage>` runs 12 trials that each
report 40 MB checkpoints and prints the driver's peak RSS in MB; `python checkpoint_child.py burst <storage> <name>
<resume>` runs trials that report a checkpoint with every result, fast (the test SIGKILLs it in the middle)."""
from __future__ import annotations

import json
import os
import sys

import hpo_core
from hpo_core import Callback, ProcessExecutor, SerialExecutor, report, uniform
from hpo_core.session import get_checkpoint

MB = 1_000_000
BURST_STEPS = 40


def heavy(config):
    for step in range(1, 3):
        report({"loss": config["x"] * step}, checkpoint={"step": step, "blob": b"\x01" * (40 * MB)})


def peak_rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def bursty(config):
    """Reports a checkpoint with every result, as fast as it can; each result says which checkpoint it resumed."""
    state = get_checkpoint() or {"step": 0}
    for step in range(state["step"] + 1, BURST_STEPS + 1):
        report({"loss": config["x"] / step, "step": step, "resumed_at": state["step"]},
               checkpoint={"step": step, "pad": bytes(20_000)})


class Acknowledged(Callback):
    """Writes each result to a side file once the driver has it (it is journaled before its decision goes out)."""

    def __init__(self, path):
        self.handle = open(path, "a", buffering=1)  # noqa: SIM115 - for the whole run

    def on_trial_result(self, iteration, trials, trial, result, **info):
        self.handle.write(json.dumps([trial.trial_id, result["training_iteration"]]) + "\n")


def run_burst(storage, name, resume, *, ack=None):
    return hpo_core.run(
        bursty, {"x": uniform(1, 2)}, num_samples=6, metric="loss", mode="min", executor=ProcessExecutor(2),
        storage_path=storage, name=name, resume=resume, seed=5, verbose=0,
        callbacks=[Acknowledged(ack)] if ack else [],
    )


def main() -> None:
    if sys.argv[1] == "memory":
        hpo_core.run(heavy, {"x": uniform(0, 1)}, num_samples=12, metric="loss", mode="min", seed=0, verbose=0,
                     executor=SerialExecutor(), storage_path=sys.argv[2], name="heavy")
        print(f"{peak_rss_mb():.1f}")
    else:
        run_burst(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]), ack=os.environ.get("ACK_LOG"))


if __name__ == "__main__":
    main()
