"""Overhead of the default callbacks (JSON/CSV/TensorBoard loggers + progress) and of the journal.

`python -m benchmarks.callbacks_overhead [--trials 10000] [--fsync-trials 300]`

Trivial trials (one report each) run through `hpo_core.run` with the SerialExecutor, in one process:
  bare        Experiment + Driver, no experiment folder, no callbacks (the floor)
  journal     run(): journal + trial folders (params.json), no default callbacks, verbose=0
  defaults    run(): journal + the default callbacks, verbose=1 (stdout is not a terminal here: plain lines)
with the journal written but not fsynced (ASKTELL_JOURNAL_FSYNC=0) to isolate the callbacks; then the journal
fsynced for every batch (`sync_interval_s=0`, the strictest setting; the default fsyncs at most once a second) on a
smaller number of trials (fsync cost is the disk's, not ours). `benchmarks.run_overhead` times the defaults as
shipped. Each configuration with the
journal runs twice in A B B A order (the machine's load may drift); times are wall clock; the verdict is the ratio
defaults / journal (target <= 2).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time

import hpo_core
from hpo_core import SerialExecutor, uniform
from hpo_core.callbacks import CallbackList
from hpo_core.driver import Driver
from hpo_core.experiment import Experiment

from .env import environment

SPACE = {"x": uniform(0, 1), "y": uniform(-1, 1)}


def trivial(config):
    return {"loss": config["x"] + config["y"]}


def bare(trials: int) -> float:
    start = time.perf_counter()
    executor = SerialExecutor()
    executor.setup(trivial)
    exp = Experiment(SPACE, metric="loss", mode="min", num_samples=trials, seed=0)
    Driver(exp, executor, CallbackList([])).run()
    return time.perf_counter() - start


def stored(trials: int, root: str, name: str, *, defaults: bool, fsync: bool) -> float:
    with environment(ASKTELL_JOURNAL_FSYNC="1" if fsync else "0",
                     ASKTELL_DISABLE_AUTO_CALLBACK_LOGGERS="0" if defaults else "1"), \
            contextlib.redirect_stdout(io.StringIO()):
        start = time.perf_counter()
        hpo_core.run(trivial, SPACE, num_samples=trials, metric="loss", mode="min", seed=0,
                     executor=SerialExecutor(), storage_path=root, name=name, verbose=1 if defaults else 0,
                     sync_interval_s=0)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--fsync-trials", type=int, default=300)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"bare": [], "journal": [], "defaults": [], "journal+fsync": [],
                                     "defaults+fsync": []}
    with tempfile.TemporaryDirectory() as root:
        stored(50, root, "warmup", defaults=True, fsync=False)  # imports (tensorboardX, rich) outside the timing
        # A B B A order, so a machine whose load drifts during the run does not favour either side
        times["bare"].append(bare(args.trials))
        for number, defaults in enumerate((False, True, True, False)):
            key = "defaults" if defaults else "journal"
            times[key].append(stored(args.trials, root, f"{key}{number}", defaults=defaults, fsync=False))
        for number, defaults in enumerate((False, True, True, False)):
            key = "defaults+fsync" if defaults else "journal+fsync"
            times[key].append(stored(args.fsync_trials, root, f"{key}{number}", defaults=defaults, fsync=True))
        times["bare"].append(bare(args.trials))
    labels = {
        "bare": "bare (no folder, no callbacks)", "journal": "journal, no default callbacks",
        "defaults": "journal + default callbacks", "journal+fsync": "journal fsynced, no default callbacks",
        "defaults+fsync": "journal fsynced + default callbacks",
    }
    per = {key: sum(values) / len(values) / (args.fsync_trials if "fsync" in key else args.trials)
           for key, values in times.items()}
    print(f"{'configuration':40s} {'trials':>7s} {'runs':>5s} {'ms/trial':>9s} {'vs no callbacks':>16s}")
    for key, label in labels.items():
        base = per["journal+fsync" if "fsync" in key else "journal"]
        count = args.fsync_trials if "fsync" in key else args.trials
        print(f"{label:40s} {count:7d} {len(times[key]):5d} {per[key] * 1e3:9.3f} {per[key] / base:15.2f}x")
    verdict = per["defaults"] / per["journal"]
    print(f"\ndefault callbacks overhead: {verdict:.2f}x the run without them (target <= 2x): "
          f"{'OK' if verdict <= 2 else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
