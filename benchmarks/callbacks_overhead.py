"""Overhead of the default callbacks (JSON/CSV/TensorBoard loggers + progress) and of the journal.

`python -m benchmarks.callbacks_overhead [--trials 10000] [--fsync-trials 300]`

Trivial trials (one report each) run through `hpo_core.run` with the SerialExecutor, in one process, in this order:
  bare        Experiment + Driver, no experiment folder, no callbacks (the floor)
  journal     run(): journal + trial folders (params.json), no default callbacks, verbose=0
  defaults    run(): journal + the default callbacks, verbose=1 (stdout is not a terminal here: plain lines)
with the journal flushed but not fsynced (ASKTELL_JOURNAL_FSYNC=0) to isolate the callbacks; then the journal with
fsync per record on a smaller number of trials (fsync cost is the disk's, not ours). Times are wall clock; the
verdict is the ratio defaults / journal (target <= 2).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time

import hpo_core
from hpo_core import SerialExecutor, uniform
from hpo_core.callbacks import CallbackList
from hpo_core.driver import Driver
from hpo_core.experiment import Experiment

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
    env = {"ASKTELL_JOURNAL_FSYNC": "1" if fsync else "0",
           "ASKTELL_DISABLE_AUTO_CALLBACK_LOGGERS": "0" if defaults else "1"}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        sink = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(sink):
            hpo_core.run(trivial, SPACE, num_samples=trials, metric="loss", mode="min", seed=0,
                         executor=SerialExecutor(), storage_path=root, name=name, verbose=1 if defaults else 0)
        return time.perf_counter() - start
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--fsync-trials", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        stored(50, root, "warmup", defaults=True, fsync=False)  # imports (tensorboardX, rich) outside the timing
        rows = [
            ("bare (no folder, no callbacks)", args.trials, bare(args.trials)),
            ("journal, no default callbacks", args.trials, stored(args.trials, root, "j", defaults=False,
                                                                  fsync=False)),
            ("journal + default callbacks", args.trials, stored(args.trials, root, "d", defaults=True,
                                                                fsync=False)),
            ("journal fsynced, no default callbacks", args.fsync_trials,
             stored(args.fsync_trials, root, "jf", defaults=False, fsync=True)),
            ("journal fsynced + default callbacks", args.fsync_trials,
             stored(args.fsync_trials, root, "df", defaults=True, fsync=True)),
        ]
    base = {False: rows[1][2] / rows[1][1], True: rows[3][2] / rows[3][1]}
    print(f"{'configuration':40s} {'trials':>7s} {'total s':>9s} {'ms/trial':>9s} {'vs journal':>11s}")
    for number, (label, count, seconds) in enumerate(rows):
        per = seconds / count
        ratio = per / base[number >= 3]
        print(f"{label:40s} {count:7d} {seconds:9.2f} {per * 1e3:9.3f} {ratio:10.2f}x")
    verdict = (rows[2][2] / rows[2][1]) / base[False]
    print(f"\ndefault callbacks overhead: {verdict:.2f}x the run without them (target <= 2x): "
          f"{'OK' if verdict <= 2 else 'OVER TARGET'}")


if __name__ == "__main__":
    main()
