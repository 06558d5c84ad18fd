"""Overhead of running trials on Ray: `hpo_ray.run` against plain Ray tasks and a tuned Ray Tune, in one process.

`python -m benchmarks.ray_overhead [--scale 1.0] [--no-tune]` starts a local Ray with 2 CPUs, warms up, then times

* (a) 200 trivial one-shot trials through `hpo_ray.run`;
* (b) 200 plain Ray tasks (the floor: submitted at once, and two in flight at a time);
* (c) 20 trials x 100 reports;
* (d) ASHA, 50 trials x up to 100 reports;
* (c) once more with the `RayExecutor` alone in a bare loop (no experiment, journal or callbacks);

and (a), (c), (d) through Ray Tune with `reuse_actors=True`, its loggers off and `verbose=0`. Each scenario is run
small once as its warm-up, then timed two ways: all-in wall time (with the start of workers and actors, which on a
loaded machine can take seconds), and steady state, from the time each result was made inside its trial: for
one-shot trials the span from the first to the last result per trial; for reporting trials the time between two
reports of a trial (median over trials; two trials run at once on the 2 CPUs). Both libraries keep their default per-trial bookkeeping otherwise
(asktell still writes its journal, flushed but not fsynced). Read the ratios, which are measured in the same run.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

REPORTS = 100


def one_shot(config: dict[str, Any]) -> dict[str, float]:
    return {"loss": config["x"] ** 2, "t": time.time()}


def reporting(config: dict[str, Any]) -> None:
    from hpo_core import report

    for step in range(config.get("reports", REPORTS)):
        report({"loss": config["x"] + 1.0 / (step + 1), "t": time.time()})


def tune_one_shot(config: dict[str, Any]) -> None:
    from ray import tune

    tune.report({"loss": config["x"] ** 2, "t": time.time()})


def tune_reporting(config: dict[str, Any]) -> None:
    from ray import tune

    for step in range(config.get("reports", REPORTS)):
        tune.report({"loss": config["x"] + 1.0 / (step + 1), "t": time.time()})


def _space(uniform: Callable, reports: int | None) -> dict[str, Any]:
    space: dict[str, Any] = {"x": uniform(0, 1)}
    if reports is not None:
        space["reports"] = reports
    return space


class Asktell:
    """The scenarios through `hpo_ray.run`; returns, per trial, the `t` stamp of every recorded result."""

    def __init__(self, folder: str):
        self.folder = folder

    def run(self, trainable: Callable, n: int, *, reports: int | None = None, asha: bool = False
            ) -> list[list[float]]:
        import hpo_core
        import hpo_ray
        from hpo_core.schedulers import AsyncHyperBandScheduler

        scheduler = AsyncHyperBandScheduler(max_t=REPORTS, grace_period=1, reduction_factor=4) if asha else None
        analysis = hpo_ray.run(trainable, _space(hpo_core.uniform, reports), num_samples=n, metric="loss", mode="min", scheduler=scheduler,
                               seed=0, verbose=0, storage_path=self.folder)
        return [[r["t"] for r in t.results] for t in analysis.trials]


class RayTune:
    """The same scenarios through `ray.tune.run`, tuned: reused actors, loggers off, quiet."""

    def __init__(self, folder: str):
        self.folder = folder

    def run(self, trainable: Callable, n: int, *, reports: int | None = None, asha: bool = False
            ) -> list[list[float]]:
        from ray import tune
        from ray.tune.schedulers import ASHAScheduler

        stamps: dict[str, list[float]] = {}

        class Stamps(tune.Callback):
            def on_trial_result(self, iteration, trials, trial, result, **info):
                stamps.setdefault(trial.trial_id, []).append(result["t"])

        scheduler = ASHAScheduler(max_t=REPORTS, grace_period=1, reduction_factor=4) if asha else None
        tune.run(trainable, config=_space(tune.uniform, reports), num_samples=n, metric="loss", mode="min", scheduler=scheduler,
                 reuse_actors=True, verbose=0, storage_path=self.folder, callbacks=[Stamps()])
        return list(stamps.values())


def scenario(lib: Asktell | RayTune, trainable: Callable, n: int, **kwargs: Any) -> dict[str, float]:
    """Warm up with a small run of the same scenario, then time it: all-in wall time; the span from the first to
    the last result; and, per trial with several results, the time between its reports (median over trials)."""
    lib.run(trainable, max(2, n // 10), **kwargs)
    start = time.perf_counter()
    per_trial = lib.run(trainable, n, **kwargs)
    wall = time.perf_counter() - start
    stamps = [t for trial in per_trial for t in trial]
    gaps = sorted((trial[-1] - trial[0]) / (len(trial) - 1) for trial in per_trial if len(trial) > 1)
    return {"wall": wall, "span": max(stamps) - min(stamps), "results": len(stamps),
            "gap": gaps[len(gaps) // 2] if gaps else float("nan")}


def measure(lib: Asktell | RayTune, one: Callable, rep: Callable, scale: float) -> dict[str, float]:
    n_a, n_c, n_d = max(10, int(200 * scale)), max(4, int(20 * scale)), max(8, int(50 * scale))
    a = scenario(lib, one, n_a)
    c = scenario(lib, rep, n_c)
    d = scenario(lib, rep, n_d, asha=True)
    return {
        "a_trial_ms": 1e3 * a["wall"] / n_a,
        "a_steady_ms": 1e3 * a["span"] / (n_a - 1),
        "c_report_ms": 1e3 * c["gap"],
        "c_total_s": c["wall"],
        "d_trial_ms": 1e3 * d["wall"] / n_d,
        "d_report_ms": 1e3 * d["gap"],
        "d_reports": d["results"],
    }


def executor_only(trials: int) -> dict[str, float]:
    """(c) with the `RayExecutor` alone, no experiment or journal: the executor's own cost per report."""
    from hpo_core.enums import Decision
    from hpo_core.executors.base import Reported
    from hpo_core.suggestion import Suggestion
    from hpo_ray import RayExecutor

    def once(n: int) -> float:
        executor = RayExecutor()
        executor.setup(reporting, max_concurrent_trials=2)
        pending = [Suggestion(f"{i:05d}", {"x": 0.5}) for i in range(n)]
        stamps: dict[str, list[float]] = {}
        try:
            while pending or executor.running():
                while pending and executor.free_slots() > 0:
                    executor.start(pending.pop())
                for event in executor.poll(0.05):
                    if isinstance(event, Reported):
                        stamps.setdefault(event.trial_id, []).append(event.metrics["t"])
                        executor.apply(event.trial_id, Decision.CONTINUE)
        finally:
            executor.shutdown()
        gaps = sorted((t[-1] - t[0]) / (len(t) - 1) for t in stamps.values())
        return gaps[len(gaps) // 2]

    once(2)  # warm-up
    return {"c_executor_ms": 1e3 * once(trials)}


def plain_tasks(n: int) -> dict[str, float]:
    import ray

    @ray.remote(num_cpus=1)
    def noop(i: int) -> int:
        return i

    ray.get([noop.remote(i) for i in range(n)])  # warm-up
    start = time.perf_counter()
    ray.get([noop.remote(i) for i in range(n)])
    at_once = time.perf_counter() - start

    def two_in_flight() -> None:
        pending = [noop.remote(i) for i in range(2)]
        sent = 2
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            ray.get(done)
            if sent < n:
                pending.append(noop.remote(sent))
                sent += 1

    start = time.perf_counter()
    two_in_flight()
    paced = time.perf_counter() - start
    return {"b_task_ms": 1e3 * at_once / n, "b_paced_ms": 1e3 * paced / n}


def table(ours: dict[str, float], floor: dict[str, float], tune: dict[str, float] | None) -> str:
    def ratio(key: str) -> str:
        return f"{tune[key] / ours[key]:.1f}x" if tune else "-"

    def theirs(key: str, fmt: str) -> str:
        return format(tune[key], fmt) if tune else "-"

    rows = [
        ("(a) one-shot trials, ms/trial (steady)", f"{ours['a_steady_ms']:.2f}", theirs("a_steady_ms", ".2f"),
         ratio("a_steady_ms")),
        ("(a) one-shot trials, ms/trial (all-in)", f"{ours['a_trial_ms']:.2f}", theirs("a_trial_ms", ".2f"),
         ratio("a_trial_ms")),
        ("(b) plain Ray task, ms/task (at once)", f"{floor['b_task_ms']:.2f}", "", ""),
        ("(b) plain Ray task, ms/task (2 in flight)", f"{floor['b_paced_ms']:.2f}", "", ""),
        ("(c) 20 x 100 reports, ms between reports", f"{ours['c_report_ms']:.3f}", theirs("c_report_ms", ".3f"),
         ratio("c_report_ms")),
        ("(c) same, RayExecutor alone (no experiment/journal)", f"{floor['c_executor_ms']:.3f}", "", ""),
        ("(c) 20 x 100 reports, total s (all-in)", f"{ours['c_total_s']:.2f}", theirs("c_total_s", ".2f"),
         ratio("c_total_s")),
        ("(d) ASHA 50 x <=100, ms/trial (all-in)", f"{ours['d_trial_ms']:.1f}", theirs("d_trial_ms", ".1f"),
         ratio("d_trial_ms")),
        ("(d) ASHA, ms between reports", f"{ours['d_report_ms']:.3f}", theirs("d_report_ms", ".3f"),
         ratio("d_report_ms")),
        ("(d) ASHA, results recorded", f"{ours['d_reports']:.0f}", theirs("d_reports", ".0f"), ""),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'scenario':<{width}}  {'asktell':>9}  {'Ray Tune':>9}  {'Tune/asktell':>12}"]
    lines += [f"{a:<{width}}  {b:>9}  {c:>9}  {d:>12}" for a, b, c, d in rows]
    verdicts = [
        ("(a) steady <= 3x (b) at once", ours["a_steady_ms"] / floor["b_task_ms"], 3.0, "<="),
        ("(c) ms between reports <= 0.1", ours["c_report_ms"], 0.1, "<="),
        ("(c) executor alone ms/report <= 0.1", floor["c_executor_ms"], 0.1, "<="),
    ]
    if tune:
        verdicts += [("Ray Tune / asktell on (a) >= 10x", tune["a_steady_ms"] / ours["a_steady_ms"], 10.0, ">="),
                     ("Ray Tune / asktell on (c) >= 10x", tune["c_report_ms"] / ours["c_report_ms"], 10.0, ">=")]
    lines.append("")
    for label, value, target, sense in verdicts:
        met = value <= target if sense == "<=" else value >= target
        lines.append(f"{label:<36} measured {value:8.3f}  {'met' if met else 'NOT met'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the trial counts (quick runs: 0.2)")
    parser.add_argument("--no-tune", action="store_true", help="skip the Ray Tune rows")
    args = parser.parse_args(argv)
    os.environ.setdefault("ASKTELL_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
    os.environ.setdefault("ASKTELL_JOURNAL_FSYNC", "0")
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    os.environ["RAY_AUTH_MODE"] = "disabled"  # a local instance that ends with this process
    import cloudpickle
    import ray
    import ray.cloudpickle

    for pickler in (cloudpickle, ray.cloudpickle):  # workers may not find this module on their path
        pickler.register_pickle_by_value(sys.modules[__name__])
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="error", log_to_driver=False)
    with tempfile.TemporaryDirectory(prefix="asktell-ray-bench-") as folder:
        floor = plain_tasks(max(10, int(200 * args.scale)))
        floor.update(executor_only(max(4, int(20 * args.scale))))
        ours = measure(Asktell(os.path.join(folder, "asktell")), one_shot, reporting, args.scale)
        tune = None
        if not args.no_tune:
            try:
                import ray.tune
            except ImportError:
                print("ray[tune] is not installed: skipping the Ray Tune rows")
            else:
                tune = measure(RayTune(os.path.join(folder, "tune")), tune_one_shot, tune_reporting, args.scale)
    ray.shutdown()
    print(table(ours, floor, tune))


if __name__ == "__main__":
    main()
