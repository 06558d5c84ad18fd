"""What `hpo_core.run` costs with every default on (journal, JSON/CSV/TensorBoard loggers, progress output,
checkpoints as shipped), end to end, against a baseline measured in the same run.

`python -m benchmarks.run_overhead [--only sim,serial,pool] [--scale 1.0]`

* sim: 1,000-trial ASHA (81 epochs, reduction factor 3) on 32 simulated workers through `run()`, against the bare
  `Experiment` + `SimulatedExecutor` + driver loop (no folder, no callbacks); then `run()` at 100, 1,000 and 5,000
  trials: ms per report (flat is the target).
* serial: 10,000 trivial one-shot trials through `run()` with the `SerialExecutor`: ms per trial over the first and
  the last 1,000, and the experiment folder's size per trial (disk blocks and bytes).
* pool: 100 trials x 100 reports with a 1 MB checkpoint at every report on the process pool (2 workers): the
  driver's CPU per report (its thread; and its whole process, with the checkpoint and logger threads). The driver
  pickles nothing (a worker sends its checkpoint's pickle, which goes to the file as it came), so all of it counts
  against the target; beside it, what unpickling the report and pickling the checkpoint again would cost.

Wall times on a shared machine are noisy: read the ratios, measured in the same run. Progress output goes to a
string, not the terminal. Experiment folders are removed outside the timings.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
from typing import Any

import hpo_core
from hpo_core import Callback, Experiment, ProcessExecutor, SerialExecutor, report, uniform
from hpo_core.callbacks import CallbackList
from hpo_core.driver import Driver
from hpo_core.executors.simulated import SimulatedExecutor
from hpo_core.schedulers import ASHAScheduler

from .problems.synthetic_curves import SyntheticCurvesProblem

MB = 1 << 20


def _asha() -> ASHAScheduler:
    return ASHAScheduler(max_t=81, grace_period=1, reduction_factor=3)


def sim_bare(trials: int) -> tuple[float, int]:
    """(wall s, reports) of the bare loop: no folder, no callbacks."""
    problem, executor = SyntheticCurvesProblem(), SimulatedExecutor(32)
    start = time.perf_counter()
    experiment = Experiment(problem.space(), metric=problem.metric, mode="min", num_samples=trials,
                            scheduler=_asha(), seed=0, clock=executor.now)
    executor.setup(problem)
    Driver(experiment, executor, CallbackList([])).run()
    wall = time.perf_counter() - start
    return wall, sum(len(t.results) for t in experiment.trials.values())


def sim_run(trials: int, root: str) -> tuple[float, int]:
    """(wall s, reports) of `hpo_core.run` with every default on."""
    problem = SyntheticCurvesProblem()
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        analysis = hpo_core.run(problem, problem.space(), num_samples=trials, metric=problem.metric, mode="min",
                                scheduler=_asha(), seed=0, executor=SimulatedExecutor(32), storage_path=root)
    wall = time.perf_counter() - start
    return wall, sum(len(t.results) for t in analysis.trials)


def sim(scale: float) -> list[str]:
    lines = ["sim: ASHA on 32 simulated workers, 81 epochs"]
    with tempfile.TemporaryDirectory(prefix="asktell-run-bench-") as root:
        sim_bare(50), sim_run(50, root)  # warm-up: imports outside the timings
        n = max(20, int(1000 * scale))
        bare, bare_reports = sim_bare(n)
        ours, reports = sim_run(n, root)
        lines.append(f"  {n} trials: bare loop {bare:.2f} s, run() with defaults {ours:.2f} s "
                     f"({ours / bare:.2f}x the bare loop; target < 3 s and <= 2x), {reports} reports "
                     f"({bare_reports} bare)")
        per = {}
        for count in (max(10, int(100 * scale)), n, max(50, int(5000 * scale))):
            wall, done = sim_run(count, root)
            per[count] = 1e3 * wall / done
            lines.append(f"  run() at {count:5d} trials: {per[count]:.3f} ms per report ({done} reports)")
        first, last = min(per), max(per)
        lines.append(f"  per-report growth {first} -> {last} trials: {per[last] / per[first]:.2f}x (target <= 1.2x)")
    return lines


class _Ends(Callback):
    def __init__(self) -> None:
        self.times: list[float] = []

    def on_trial_complete(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self.times.append(time.perf_counter())


def _trivial(config: dict[str, Any]) -> dict[str, float]:
    return {"loss": config["x"] + config["y"]}


def folder_size(path: str) -> tuple[int, int]:
    """(bytes on disk in blocks, bytes in files) of everything under `path`, folders included."""
    blocks = size = 0
    for folder, _, files in os.walk(path):
        for entry in [folder, *(os.path.join(folder, name) for name in files)]:
            info = os.lstat(entry)
            blocks += info.st_blocks * 512
            size += info.st_size
    return blocks, size


def serial(scale: float) -> list[str]:
    n = max(1000, int(10_000 * scale))
    space = {"x": uniform(0, 1), "y": uniform(-1, 1)}
    with tempfile.TemporaryDirectory(prefix="asktell-run-bench-") as root:
        with contextlib.redirect_stdout(io.StringIO()):
            hpo_core.run(_trivial, space, num_samples=50, metric="loss", mode="min", seed=0,
                         executor=SerialExecutor(), storage_path=root, name="warm-up")
            ends = _Ends()
            start = time.perf_counter()
            hpo_core.run(_trivial, space, num_samples=n, metric="loss", mode="min", seed=0, callbacks=[ends],
                         executor=SerialExecutor(), storage_path=root, name="timed")
            wall = time.perf_counter() - start
        times = [start, *ends.times]
        first = 1e3 * (times[1000] - times[0]) / 1000
        last = 1e3 * (times[-1] - times[-1001]) / 1000
        blocks, size = folder_size(os.path.join(root, "timed"))
    return [f"serial: {n} trivial one-shot trials, SerialExecutor, defaults on",
            (f"  {1e3 * wall / n:.3f} ms per trial all-in; first 1,000 {first:.3f} ms, last 1,000 {last:.3f} ms "
            f"({last / first:.2f}x; target <= 1 ms, flat)"),
            (f"  folder: {blocks / n / 1024:.1f} KB per trial on disk (blocks), {size / n / 1024:.2f} KB in bytes "
            f"(target <= 5 KB)")]


def _heavy(config: dict[str, Any]) -> None:
    blob = os.urandom(MB)
    for step in range(config["reports"]):
        report({"loss": config["x"] / (step + 1)}, checkpoint={"step": step, "blob": blob})


def pickle_cpu_ms(reports: int = 200) -> float:
    """CPU per report of what a driver that handles the checkpoint as an object does: unpickle the worker's
    message, pickle the checkpoint for its file."""
    import cloudpickle

    message = cloudpickle.dumps(("report", "00000", {"loss": 0.5}, {"step": 1, "blob": os.urandom(MB)}))
    start = time.thread_time()
    for _ in range(reports):
        checkpoint = cloudpickle.loads(message)[3]
        cloudpickle.dumps(checkpoint)
    return 1e3 * (time.thread_time() - start) / reports


def pool(scale: float) -> list[str]:
    trials, reports = max(4, int(100 * scale)), max(10, int(100 * scale))
    with tempfile.TemporaryDirectory(prefix="asktell-run-bench-") as root, contextlib.redirect_stdout(io.StringIO()):
        start, thread, process = time.perf_counter(), time.thread_time(), time.process_time()
        hpo_core.run(_heavy, {"x": uniform(0, 1), "reports": reports}, num_samples=trials, metric="loss",
                     mode="min", seed=0, executor=ProcessExecutor(2), storage_path=root, name="pool")
        wall = time.perf_counter() - start
        thread, process = time.thread_time() - thread, time.process_time() - process
    total = trials * reports
    driver = 1e3 * thread / total
    return [f"pool: {trials} trials x {reports} reports, a 1 MB checkpoint at every report, 2 worker processes",
            f"  wall {wall:.1f} s ({1e3 * wall / total:.2f} ms per report)",
            (f"  driver thread CPU {driver:.3f} ms per report, with no pickling in it (target <= 0.2 ms beyond the "
             f"pickle); unpickling the report and pickling the checkpoint again would add {pickle_cpu_ms():.3f} ms"),
            f"  driver process CPU (with its checkpoint and logger threads) {1e3 * process / total:.3f} ms per report"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run_overhead", description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="sim,serial,pool", help="comma-separated: sim, serial, pool")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the trial counts (quick runs: 0.1)")
    args = parser.parse_args(argv)
    scenarios = {"sim": sim, "serial": serial, "pool": pool}
    for name in args.only.split(","):
        if name not in scenarios:
            parser.error(f"--only: unknown scenario {name!r}")
        print("\n".join(scenarios[name](args.scale)), flush=True)


if __name__ == "__main__":
    main()
