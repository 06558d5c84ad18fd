"""Overhead of running trials on Ray: `hpo_ray.run` against plain Ray tasks and Ray Tune, in one process.

`python -m benchmarks.ray_overhead [--scale 1.0] [--no-tune]` starts a local Ray with 2 CPUs, warms up, then times

* (e) what a user runs, end to end: 20 trials x 210 reports and 20 trials x 10 reports, wall time; the cost of one
  report is the difference over the 20 x 200 extra reports (so trial and actor start-up cancel out). asktell with
  every default on (journal fsynced every `sync_interval_s`, JSON/CSV/TensorBoard loggers, progress output), and
  tuned (loggers off, `verbose=0`); Ray Tune 2.x with its defaults (loggers, no actor reuse) and tuned
  (`reuse_actors=True`, loggers off, `verbose=0`);
* (a) 200 trivial one-shot trials through `hpo_ray.run`;
* (b) 200 plain Ray tasks (the floor: submitted at once, and two in flight at a time);
* (c) 20 trials x 100 reports;
* (d) ASHA, 50 trials x up to 100 reports;
* (c) once more with the `RayExecutor` alone in a bare loop (no experiment, journal or callbacks);

and (a), (c), (d) through Ray Tune tuned. (a) to (d) run with asktell's defaults, each small once as its warm-up,
then timed two ways: all-in wall time, and steady state from the time each result was made inside its trial (the
span from the first to the last result per trial; for reporting trials the time between two reports of a trial,
median over trials; a trial running `max_report_lag` reports ahead of the driver hides the driver's cost there,
which is why (e) times the whole run). Progress output goes to a string, not the terminal. Read the ratios, which
are measured in the same run.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from .env import environment

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
    """The scenarios through `hpo_ray.run` (every default on, or `tuned`: loggers off, quiet); returns, per trial,
    the `t` stamp of every recorded result."""

    def __init__(self, folder: str, *, tuned: bool = False):
        self.folder, self.tuned = folder, tuned

    def run(self, trainable: Callable, n: int, *, reports: int | None = None, asha: bool = False
            ) -> list[list[float]]:
        import hpo_core
        import hpo_ray
        from hpo_core.schedulers import AsyncHyperBandScheduler

        scheduler = AsyncHyperBandScheduler(max_t=REPORTS, grace_period=1, reduction_factor=4) if asha else None
        with environment(ASKTELL_DISABLE_AUTO_CALLBACK_LOGGERS="1" if self.tuned else "0"), \
                contextlib.redirect_stdout(io.StringIO()):
            analysis = hpo_ray.run(trainable, _space(hpo_core.uniform, reports), num_samples=n, metric="loss",
                                   mode="min", scheduler=scheduler, seed=0, verbose=0 if self.tuned else 1,
                                   storage_path=self.folder)
        return [[r["t"] for r in t.results] for t in analysis.trials]


class RayTune:
    """The same scenarios through `ray.tune.run`: with its defaults, or `tuned` (reused actors, loggers off,
    quiet)."""

    def __init__(self, folder: str, *, tuned: bool = True):
        self.folder, self.tuned = folder, tuned

    def run(self, trainable: Callable, n: int, *, reports: int | None = None, asha: bool = False
            ) -> list[list[float]]:
        from ray import tune
        from ray.tune.schedulers import ASHAScheduler

        stamps: dict[str, list[float]] = {}

        class Stamps(tune.Callback):
            def on_trial_result(self, iteration, trials, trial, result, **info):
                stamps.setdefault(trial.trial_id, []).append(result["t"])

        scheduler = ASHAScheduler(max_t=REPORTS, grace_period=1, reduction_factor=4) if asha else None
        options = {"reuse_actors": True, "verbose": 0} if self.tuned else {}
        with environment(TUNE_DISABLE_AUTO_CALLBACK_LOGGERS="1" if self.tuned else "0"), \
                contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            tune.run(trainable, config=_space(tune.uniform, reports), num_samples=n, metric="loss", mode="min",
                     scheduler=scheduler, storage_path=self.folder, callbacks=[Stamps()], **options)
        return list(stamps.values())


def per_report_ms(lib: Asktell | RayTune, trainable: Callable, trials: int, *, long: int = 210,
                  short: int = 10) -> float:
    """(e): end-to-end wall time of `trials` x `long` reports minus `trials` x `short`, per extra report."""
    lib.run(trainable, 2, reports=short)  # warm-up
    walls = {}
    for reports in (short, long):
        start = time.perf_counter()
        lib.run(trainable, trials, reports=reports)
        walls[reports] = time.perf_counter() - start
    return 1e3 * (walls[long] - walls[short]) / (trials * (long - short))


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


def table(ours: dict[str, float], floor: dict[str, float], tune: dict[str, float] | None,
          e2e: dict[str, float]) -> str:
    def ratio(key: str) -> str:
        return f"{tune[key] / ours[key]:.1f}x" if tune else "-"

    def theirs(key: str, fmt: str) -> str:
        return format(tune[key], fmt) if tune else "-"

    lines = ["(e) end to end, 20 trials x 210 minus 20 x 10 reports: ms per report (wall)"]
    for key, label in (("asktell", "asktell, defaults on"), ("asktell_tuned", "asktell, loggers off, verbose=0"),
                       ("tune_default", "Ray Tune, defaults"), ("tune_tuned", "Ray Tune, reuse_actors + loggers off")):
        if key in e2e:
            lines.append(f"  {label:<40} {e2e[key]:8.3f}")
    lines.append("")
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
    lines.append(f"{'scenario (asktell defaults on; Ray Tune tuned)':<{width}}  {'asktell':>9}  {'Ray Tune':>9}  "
                 f"{'Tune/asktell':>12}")
    lines += [f"{a:<{width}}  {b:>9}  {c:>9}  {d:>12}" for a, b, c, d in rows]
    verdicts = [
        ("(e) defaults on, ms per report <= 0.1", e2e["asktell"], 0.1, "<="),
        ("(a) steady <= 3x (b) at once", ours["a_steady_ms"] / floor["b_task_ms"], 3.0, "<="),
        ("(c) executor alone ms/report <= 0.1", floor["c_executor_ms"], 0.1, "<="),
    ]
    if "tune_default" in e2e:
        verdicts += [("(e) Ray Tune default / asktell >= 10x", e2e["tune_default"] / e2e["asktell"], 10.0, ">="),
                     ("(e) Ray Tune tuned / asktell >= 3x", e2e["tune_tuned"] / e2e["asktell"], 3.0, ">=")]
    if tune:
        verdicts += [("Ray Tune / asktell on (a) >= 10x", tune["a_steady_ms"] / ours["a_steady_ms"], 10.0, ">=")]
    lines.append("")
    for label, value, target, sense in verdicts:
        met = value <= target if sense == "<=" else value >= target
        lines.append(f"{label:<40} measured {value:8.3f}  {'met' if met else 'NOT met'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the trial counts (quick runs: 0.2)")
    parser.add_argument("--no-tune", action="store_true", help="skip the Ray Tune rows")
    parser.add_argument("--e2e-only", action="store_true", help="only (e), the end-to-end per-report cost")
    args = parser.parse_args(argv)
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    os.environ["RAY_AUTH_MODE"] = "disabled"  # a local instance that ends with this process
    import cloudpickle
    import ray
    import ray.cloudpickle

    for pickler in (cloudpickle, ray.cloudpickle):  # workers may not find this module on their path
        pickler.register_pickle_by_value(sys.modules[__name__])
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="error", log_to_driver=False)
    trials = max(4, int(20 * args.scale))
    with tempfile.TemporaryDirectory(prefix="asktell-ray-bench-") as folder:
        e2e: dict[str, float] = {}

        def measured(key: str, lib: Asktell | RayTune, trainable: Callable) -> None:
            e2e[key] = per_report_ms(lib, trainable, trials)
            print(f"(e) {key}: {e2e[key]:.3f} ms per report", flush=True)  # as it comes: a long run shows progress

        measured("asktell", Asktell(os.path.join(folder, "a")), reporting)
        measured("asktell_tuned", Asktell(os.path.join(folder, "at"), tuned=True), reporting)
        tune_available = not args.no_tune
        if tune_available:
            try:
                import ray.tune
            except ImportError:
                print("ray[tune] is not installed: skipping the Ray Tune rows")
                tune_available = False
        if tune_available:
            measured("tune_default", RayTune(os.path.join(folder, "td"), tuned=False), tune_reporting)
            measured("tune_tuned", RayTune(os.path.join(folder, "tt")), tune_reporting)
        if args.e2e_only:
            ray.shutdown()
            print("\n".join(table_e2e(e2e)))
            return
        floor = plain_tasks(max(10, int(200 * args.scale)))
        floor.update(executor_only(max(4, int(20 * args.scale))))
        ours = measure(Asktell(os.path.join(folder, "asktell")), one_shot, reporting, args.scale)
        tune = measure(RayTune(os.path.join(folder, "tune")), tune_one_shot, tune_reporting, args.scale) \
            if tune_available else None
    ray.shutdown()
    print(table(ours, floor, tune, e2e))


def table_e2e(e2e: dict[str, float]) -> list[str]:
    lines = [f"{key:<14} {value:8.3f} ms per report" for key, value in e2e.items()]
    if "tune_default" in e2e:
        lines.append(f"Ray Tune default / asktell defaults: {e2e['tune_default'] / e2e['asktell']:.1f}x; "
                     f"Ray Tune tuned / asktell defaults: {e2e['tune_tuned'] / e2e['asktell']:.1f}x")
    return lines


if __name__ == "__main__":
    main()
