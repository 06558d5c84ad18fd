"""Syne Tune 0.14.2 on the same curves, workers, horizon and seeds as the `multifidelity` suite (side by side).

    pip install syne-tune==0.14.2          # not a dependency of asktell; best in its own virtualenv
    python -m benchmarks.syne_tune_side_by_side --problem curves-hard --seeds 10 --methods ASHA,BOHB,MOBSTER,HyperTune,DEHB

Each method runs through Syne Tune's simulator backend (`UserBlackboxBackend` over a `Blackbox` that replays the
problem's curves, `SimulatorCallback`, 32 workers) until the suite's time horizon; the script prints per method the
median simulated time to the suite's target, the seeds that reached it, and the median wall-clock seconds per run,
next to asktell's numbers from `python -m benchmarks multifidelity` (read from its summary CSV when given).
"""
from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from .problems import Problem, get_problem
from .suites.schedulers import horizon, target


def blackbox(problem: Problem) -> Any:
    """The problem as a Syne Tune `Blackbox`: every epoch's error and the cumulative simulated time."""
    from syne_tune.blackbox_repository.blackbox import Blackbox
    from syne_tune.config_space import choice, randint, uniform

    from hpo_core.space import Categorical, Float

    space = {}
    for name, domain in problem.space().items():
        if isinstance(domain, Float):
            space[name] = uniform(domain.lower, domain.upper)
        elif isinstance(domain, Categorical):
            space[name] = choice(domain.categories)
        else:
            raise TypeError(f"{problem.name}: no Syne Tune domain for {name}={domain!r}")
    epochs = np.arange(1, problem.max_t + 1)

    class Curves(Blackbox):
        def __init__(self):
            super().__init__(configuration_space=space, fidelity_space={"epoch": randint(1, problem.max_t)},
                             objectives_names=[problem.metric, "elapsed_time"])

        @property
        def fidelity_values(self) -> np.ndarray:
            return epochs

        def _objective_function(self, configuration, fidelity=None, seed=None):
            steps = list(problem.curve(dict(configuration)))
            table = np.stack([[m[problem.metric] for _, m in steps], np.cumsum([d for d, _ in steps])], axis=1)
            if fidelity is None:
                return table
            row = table[int(fidelity["epoch"]) - 1]
            return {problem.metric: row[0], "elapsed_time": row[1]}

    return Curves()


def run_one(problem: Problem, method: str, seed: int, workers: int) -> tuple[float, float]:
    """(simulated seconds to the target or inf, wall-clock seconds) of one Syne Tune run."""
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback
    from syne_tune.blackbox_repository.simulated_tabular_backend import UserBlackboxBackend
    from syne_tune.experiments import load_experiment
    from syne_tune.optimizer import legacy_baselines

    box = blackbox(problem)
    backend = UserBlackboxBackend(blackbox=box, elapsed_time_attr="elapsed_time")
    common = {"metric": problem.metric, "mode": "min", "random_seed": seed}
    multi = {"resource_attr": "epoch", "max_t": problem.max_t, "grace_period": 1, "reduction_factor": 3}
    kind = getattr(legacy_baselines, method)
    if method in ("DEHB",):
        scheduler = kind(box.configuration_space, resource_attr="epoch", max_resource_level=problem.max_t,
                         grace_period=1, reduction_factor=3, **common)
    elif method == "RandomSearch":
        scheduler = kind(box.configuration_space, **common)
    else:
        scheduler = kind(box.configuration_space, **multi, **common)
    started = time.perf_counter()
    tuner = Tuner(trial_backend=backend, scheduler=scheduler, n_workers=workers, sleep_time=0,
                  stop_criterion=StoppingCriterion(max_wallclock_time=horizon(problem)),
                  callbacks=[SimulatorCallback()], save_tuner=False, tuner_name=f"st-{method}-{seed}".lower())
    tuner.run()
    wall = time.perf_counter() - started
    results = load_experiment(tuner.name).results
    hit = results[results[problem.metric] <= target(problem)]
    return (float(hit["st_tuner_time"].min()) if len(hit) else math.inf), wall


def asktell_rows(path: Path | None, problem: str) -> dict[str, dict[str, str]]:
    if path is None or not path.exists():
        return {}
    with open(path) as handle:
        return {row["method"]: row for row in csv.DictReader(handle) if row["problem"] == problem}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="curves-hard")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--methods", default="ASHA,BOHB,MOBSTER,HyperTune,DEHB")
    parser.add_argument("--asktell-summary", type=Path, default=Path("docs/benchmarks/multifidelity_summary.csv"))
    args = parser.parse_args(argv)
    try:
        import syne_tune  # noqa: F401
    except ImportError:
        print("syne-tune is not installed: pip install syne-tune==0.14.2", file=sys.stderr)
        return 1
    problem = get_problem(args.problem)
    print("| library / method | reached | median time to target (s) | median wall s per run |\n|---|---|---|---|")
    for method in args.methods.split(","):
        runs = [run_one(problem, method, seed, args.workers) for seed in range(args.seeds)]
        reach = sorted(t for t, _ in runs)
        finite = sum(math.isfinite(t) for t in reach)
        print(f"| Syne Tune {method} | {finite}/{len(runs)} | {reach[(len(reach) - 1) // 2]:.1f} | "
              f"{statistics.median(w for _, w in runs):.1f} |", flush=True)
    for method, row in asktell_rows(args.asktell_summary, args.problem).items():
        print(f"| asktell {method} | {row['reached']} | {row['median_time_to_target']} | (see multifidelity.json) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
