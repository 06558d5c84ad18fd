"""What the ask/tell core costs per trial, against optuna's in-memory ask/tell loop measured in the same run.

`python -m benchmarks.core_overhead [--trials 10000 --results 10 --repeats 1]`

* asktell: `Experiment` with `BasicVariantGenerator` + `FIFOScheduler`; per trial one `ask()`, `results` x `tell()`,
  one `complete()`.
* optuna: `study.ask(distributions)` with `RandomSampler`, `results` x `trial.report()`, one `study.tell()`; the
  same space.

Printed: µs per trial (mean and median over the run, and the median in a window of ±50 trials around trial 100
and around the last trial), the ratio optuna / asktell, the growth from trial 100 to the last trial, and the peak
memory of the asktell run (tracemalloc, in a separate untimed pass). Targets: >= 10x faster than optuna (on
medians: a shared, loaded machine preempts single trials at random, which the means absorb), <= 1.5x growth,
< 200 MB.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Sequence

from hpo_core import Experiment, choice, loguniform, randint, uniform

WINDOW = 50  # trials on each side of the trial a window is centred on
TARGET_RATIO, TARGET_GROWTH, TARGET_MB = 10.0, 1.5, 200.0


def _space() -> dict:
    return {
        "lr": loguniform(1e-4, 1e-1),
        "momentum": uniform(0.0, 0.99),
        "layers": randint(1, 5),
        "optimizer": choice(["sgd", "adam", "rmsprop"]),
    }


def _loss(step: int, lr: float) -> float:
    return lr / (step + 1)


def asktell_loop(trials: int, results: int) -> list[float]:
    """Seconds spent on each trial (ask + tells + complete)."""
    exp = Experiment(_space(), metric="loss", mode="min", num_samples=trials, seed=0)
    clock = time.perf_counter
    times = []
    for _ in range(trials):
        started = clock()
        suggestion = exp.ask()
        trial_id, lr = suggestion.trial_id, suggestion.config["lr"]
        for step in range(results):
            exp.tell(trial_id, {"loss": _loss(step, lr)})
        exp.complete(trial_id)
        times.append(clock() - started)
    if not exp.is_finished():
        raise RuntimeError("the asktell experiment did not finish after its trials")
    return times


def optuna_loop(trials: int, results: int) -> list[float]:
    import optuna
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.RandomSampler(seed=0))
    distributions = {
        "lr": FloatDistribution(1e-4, 1e-1, log=True),
        "momentum": FloatDistribution(0.0, 0.99),
        "layers": IntDistribution(1, 4),
        "optimizer": CategoricalDistribution(["sgd", "adam", "rmsprop"]),
    }
    clock = time.perf_counter
    times = []
    for _ in range(trials):
        started = clock()
        trial = study.ask(distributions)
        lr = trial.params["lr"]
        value = 0.0
        for step in range(results):
            value = _loss(step, lr)
            trial.report(value, step)
        study.tell(trial, value)
        times.append(clock() - started)
    return times


def _timed(loop: Callable[[int, int], list[float]], trials: int, results: int) -> list[float]:
    gc.collect()
    return loop(trials, results)


def _window_us(times: list[float], centre: int) -> float:
    """Median µs per trial over the trials within WINDOW of `centre` (1-based trial number)."""
    lo, hi = max(centre - 1 - WINDOW, 0), min(centre - 1 + WINDOW, len(times))
    return statistics.median(times[lo:hi]) * 1e6


def peak_memory_mb(trials: int, results: int) -> float:
    """Peak traced allocation of a whole asktell run (its trials and results are all kept), in MB."""
    gc.collect()
    tracemalloc.start()
    try:
        asktell_loop(trials, results)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def measure(trials: int, results: int, repeats: int) -> dict[str, float]:
    """The figures of the table: each loop runs `repeats` times, alternating; the fastest run of each counts."""
    runs: dict[str, list[list[float]]] = {"asktell": [], "optuna": []}
    for _ in range(repeats):
        runs["asktell"].append(_timed(asktell_loop, trials, results))
        runs["optuna"].append(_timed(optuna_loop, trials, results))
    figures: dict[str, float] = {}
    early = min(100, trials)
    for name, attempts in runs.items():
        best = min(attempts, key=sum)
        figures[f"{name}_mean_us"] = sum(best) / trials * 1e6
        figures[f"{name}_us"] = statistics.median(best) * 1e6
        figures[f"{name}_early_us"] = _window_us(best, early)
        figures[f"{name}_late_us"] = _window_us(best, trials)
    figures["ratio"] = figures["optuna_us"] / figures["asktell_us"]
    figures["mean_ratio"] = figures["optuna_mean_us"] / figures["asktell_mean_us"]
    figures["growth"] = figures["asktell_late_us"] / figures["asktell_early_us"]
    figures["optuna_growth"] = figures["optuna_late_us"] / figures["optuna_early_us"]
    figures["peak_mb"] = peak_memory_mb(trials, results)
    return figures


def table(figures: dict[str, float], trials: int, results: int) -> str:
    def verdict(ok: bool) -> str:
        return "ok" if ok else "MISSED"

    rows = [
        ("measurement", "asktell", "optuna", "target", ""),
        ("µs per trial, mean (whole run, GC included)", f"{figures['asktell_mean_us']:.1f}",
         f"{figures['optuna_mean_us']:.1f}", "", ""),
        ("µs per trial, median (whole run)", f"{figures['asktell_us']:.1f}", f"{figures['optuna_us']:.1f}", "", ""),
        (f"µs per trial, median near trial {min(100, trials)}", f"{figures['asktell_early_us']:.1f}",
         f"{figures['optuna_early_us']:.1f}", "", ""),
        (f"µs per trial, median near trial {trials}", f"{figures['asktell_late_us']:.1f}",
         f"{figures['optuna_late_us']:.1f}", "", ""),
        ("speed-up, medians (optuna / asktell)", f"{figures['ratio']:.1f}x", "1.0x", f">= {TARGET_RATIO:g}x",
         verdict(figures["ratio"] >= TARGET_RATIO)),
        ("speed-up, means (optuna / asktell)", f"{figures['mean_ratio']:.1f}x", "1.0x", "", ""),
        (f"growth, trial {min(100, trials)} -> {trials}", f"{figures['growth']:.2f}x",
         f"{figures['optuna_growth']:.2f}x", f"<= {TARGET_GROWTH:g}x", verdict(figures["growth"] <= TARGET_GROWTH)),
        ("peak memory of the run (tracemalloc)", f"{figures['peak_mb']:.1f} MB", "", f"< {TARGET_MB:g} MB",
         verdict(figures["peak_mb"] < TARGET_MB)),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [f"core overhead: {trials} trials x {results} results, ask + {results} tell + complete per trial"]
    for i, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths)) + " |")
        if i == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.core_overhead", description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--results", type=int, default=10, help="tell() calls per trial")
    parser.add_argument("--repeats", type=int, default=1, help="runs of each loop; the fastest counts")
    args = parser.parse_args(argv)
    if args.trials < 1 or args.results < 1 or args.repeats < 1:
        parser.error("--trials, --results and --repeats must be >= 1")
    print(table(measure(args.trials, args.results, args.repeats), args.trials, args.results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
