"""FIFO vs ASHA vs HyperBand vs median stopping: best final value and epochs used (`python -m benchmarks.schedulers`).

Two tasks:
* toy: the chapter's example 5-8 curve, score = weight·√step + bias (minimise), 30 steps, 50 trials;
* digits: scikit-learn `SGDClassifier` trained epoch by epoch with `partial_fit` on the bundled digits data
  (validation accuracy, maximise), 81 epochs max, 54 trials.

Every scheduler sees the same configs (same seed). Each config's learning curve is computed once, kept in memory,
and replayed to every scheduler; a trial resumed after a pause continues from its checkpoint (its epoch count), so
the epoch counts are those a real run with checkpoints would train. Trials run on 4 simulated workers that each
train one epoch per tick; the loop drives `Experiment.ask/tell/complete` directly.
"""
from __future__ import annotations

import argparse
import math
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from hpo_core import Decision, Experiment, choice, loguniform, uniform
from hpo_core.schedulers import (
    AsyncHyperBandScheduler,
    FIFOScheduler,
    HyperBandScheduler,
    MedianStoppingRule,
    TrialScheduler,
)

Curve = list[float]


def toy_curve(config: dict[str, Any], steps: int = 30) -> Curve:
    return [config["weight"] * math.sqrt(step) + config["bias"] for step in range(steps)]


def digits_curve(config: dict[str, Any], epochs: int = 81) -> Curve:
    """Validation accuracy after each epoch of `SGDClassifier.partial_fit` on 70% of digits."""
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier
    from sklearn.model_selection import train_test_split

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    x, y = load_digits(return_X_y=True)
    x_train, x_val, y_train, y_val = train_test_split(x / 16.0, y, test_size=0.3, random_state=0, stratify=y)
    model = SGDClassifier(loss=config["loss"], alpha=config["alpha"], learning_rate=config["learning_rate"],
                          eta0=config["eta0"], random_state=0)
    classes = np.unique(y)
    curve = []
    for _ in range(epochs):
        model.partial_fit(x_train, y_train, classes=classes)
        curve.append(float(model.score(x_val, y_val)))
    return curve


TOY_SPACE = {"weight": uniform(0, 1), "bias": uniform(0, 1)}
DIGITS_SPACE = {
    "alpha": loguniform(1e-6, 1e-1),
    "eta0": loguniform(1e-4, 1.0),
    "learning_rate": choice(["constant", "invscaling", "adaptive"]),
    "loss": choice(["log_loss", "modified_huber", "hinge"]),
}


def _key(config: dict[str, Any]) -> tuple:
    return tuple(sorted(config.items()))


def sample_configs(space: dict[str, Any], num_samples: int, seed: int) -> list[dict[str, Any]]:
    """The configs every scheduler will see (the default searcher with the same seed gives the same sequence)."""
    exp = Experiment(space, num_samples=num_samples, seed=seed)
    return [exp.ask().config for _ in range(num_samples)]


def replay(scheduler: TrialScheduler, space: dict[str, Any], curves: dict[tuple, Curve], *, metric: str, mode: str,
           num_samples: int, max_t: int, seed: int, workers: int = 4) -> dict[str, Any]:
    """Run one experiment on cached curves; returns the best final value and the epochs trained."""
    exp = Experiment(space, metric=metric, mode=mode, num_samples=num_samples, scheduler=scheduler, seed=seed)
    running: dict[str, int] = {}  # trial -> epochs done
    epochs = 0
    while not exp.is_finished():
        while len(running) < workers and (suggestion := exp.ask()) is not None:
            running[suggestion.trial_id] = suggestion.start_iteration
        if not running:
            break
        for trial_id in list(running):
            done = running[trial_id] + 1
            curve = curves[_key(exp.trials[trial_id].config)]
            decision = exp.tell(trial_id, {metric: curve[done - 1]}, checkpoint=done)
            epochs += 1
            if decision is Decision.CONTINUE and done < max_t:
                running[trial_id] = done
                continue
            del running[trial_id]
            if decision is Decision.CONTINUE:
                exp.complete(trial_id)
    finals = [t.last_result[metric] for t in exp.trials.values() if t.last_result.get("training_iteration") == max_t]
    best = (max if mode == "max" else min)(finals) if finals else float("nan")
    return {"best": best, "epochs": epochs, "full": len(finals)}


def schedulers(max_t: int, *, metric: str, mode: str, median_grace: int) -> dict[str, Callable[[], TrialScheduler]]:
    return {
        "FIFO": FIFOScheduler,
        "ASHA": lambda: AsyncHyperBandScheduler(metric=metric, mode=mode, max_t=max_t, grace_period=1,
                                                reduction_factor=3),
        "HyperBand": lambda: HyperBandScheduler(metric=metric, mode=mode, max_t=max_t, reduction_factor=3),
        "MedianStopping": lambda: MedianStoppingRule(time_attr="training_iteration", metric=metric, mode=mode,
                                                     grace_period=median_grace, min_samples_required=3),
    }


def compare(name: str, space: dict[str, Any], curve_fn: Callable[[dict[str, Any]], Curve], *, metric: str,
            mode: str, num_samples: int, max_t: int, seed: int, median_grace: int, processes: int = 1,
            scale: float = 1.0) -> list[dict[str, Any]]:
    configs = sample_configs(space, num_samples, seed)
    start = time.perf_counter()
    if processes > 1:
        with ProcessPoolExecutor(processes) as pool:
            computed = list(pool.map(curve_fn, configs))
    else:
        computed = [curve_fn(c) for c in configs]
    curves = {_key(c): curve for c, curve in zip(configs, computed)}
    precompute_s = time.perf_counter() - start
    rows = []
    for label, make in schedulers(max_t, metric=metric, mode=mode, median_grace=median_grace).items():
        result = replay(make(), space, curves, metric=metric, mode=mode, num_samples=num_samples, max_t=max_t,
                        seed=seed)
        rows.append({"task": name, "scheduler": label, **result})
    fifo = rows[0]
    for row in rows:
        row["best_shown"] = row["best"] * scale
        row["gap"] = (row["best"] - fifo["best"]) * scale * (1 if mode == "max" else -1)
        row["epoch_share"] = row["epochs"] / fifo["epochs"]
    rows[0]["precompute_s"] = precompute_s
    return rows


def print_table(rows: list[dict[str, Any]], unit: str) -> None:
    print(f"{'scheduler':<15} {'best final':>11} {'vs FIFO':>9} {'epochs':>7} {'% of FIFO':>10} {'trials at max_t':>16}")
    for row in rows:
        print(f"{row['scheduler']:<15} {row['best_shown']:>11.3f} {row['gap']:>+9.3f} {row['epochs']:>7d} "
              f"{100 * row['epoch_share']:>9.1f}% {row['full']:>16d}")
    print(f"({unit}; 'vs FIFO' > 0 is better than FIFO, < 0 worse)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--trials", type=int, default=54, help="trials on the digits task (>= 50)")
    parser.add_argument("--processes", type=int, default=2, help="processes computing the digits curves")
    parser.add_argument("--skip-digits", action="store_true")
    args = parser.parse_args(argv)
    print("Curves are computed once per config, cached in memory and replayed to every scheduler (4 simulated "
          "workers,\none epoch per tick; a resumed trial continues from its checkpoint).\n")
    print("== toy: example 5-8, score = weight*sqrt(step) + bias, minimise, 30 steps, 50 trials ==")
    print_table(compare("toy", TOY_SPACE, toy_curve, metric="score", mode="min", num_samples=50, max_t=30,
                        seed=args.seed, median_grace=3), "final score, lower is better")
    if args.skip_digits:
        return
    print(f"\n== digits: SGDClassifier.partial_fit, validation accuracy, 81 epochs max, {args.trials} trials ==")
    rows = compare("digits", DIGITS_SPACE, digits_curve, metric="acc", mode="max", num_samples=args.trials,
                   max_t=81, seed=args.seed, median_grace=5, processes=args.processes, scale=100.0)
    print_table(rows, "validation accuracy in points (%)")
    print(f"curve precompute: {rows[0]['precompute_s']:.0f} s for {args.trials} configs x 81 epochs")
    target = [r for r in rows if r["scheduler"] in ("ASHA", "HyperBand")]
    ok = all(r["gap"] >= -1.0 and r["epoch_share"] <= 0.35 for r in target)
    print(f"target (ASHA and HyperBand within 1 point of FIFO with <= 35% of its epochs): {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
