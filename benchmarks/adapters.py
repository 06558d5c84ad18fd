"""`python -m benchmarks.adapters [--seeds N --bayes-seeds M --bayes-evals E --out DIR]`: each library adapter
against the same library called directly with the same seeds.

1. Overhead: CPU time of 200 trials (ask + tell, instant objective = Branin) through `Experiment` + adapter vs the
   library's own loop (optuna `ask/tell`, hyperopt `fmin`, bayes_opt `maximize`); after a warm-up, best of 5.
2. Best found (median [25 %, 75 %] over seeds) on Branin (2-d), Hartmann6 (6-d), Levy-10 at 20/50/100
   evaluations, adapter vs direct, random search as reference.
3. Parallel-ask diversity: after 20 finished trials on Hartmann6, 8 asks while all are pending; median over
   seeds of the smallest pairwise distance (unit cube), vs the library without its anti-duplicate mechanism.

bayes_opt asks cost ~0.3-3 s each on a shared 2-core machine: it runs `--bayes-seeds` seeds (default 1) of
`--bayes-evals` evaluations (default 50) and a 30-trial overhead run. Its adapter makes the very trials of the
direct call (same seed, same random draws), which the `same trials as direct` column checks, so one seed shows
equal quality; the other searchers run `--seeds` (default 3) seeds of 100 evaluations.
Measured on a shared 2-core machine (load ~15): `--seeds 5` took 34 min wall / 18 min CPU for quality +
diversity, bayes_opt about half of it; `--only overhead` takes ~5 min. Use `--problems branin` for a quick look.
"""
from __future__ import annotations

import argparse
import functools
import math
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from hpo_core import BasicVariantGenerator, Experiment

from .functions import FUNCTIONS, TestFunction
from .report import markdown_table, median_iqr

PROBLEMS = ("branin", "hartmann6", "levy10")
CHECKPOINTS = (20, 50, 100)


def _quiet() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore")


# --- the adapters, through Experiment ask/tell -------------------------------------------------------------
def _adapter(name: str, seed: int, **options: Any) -> Any:
    if name == "optuna":
        from hpo_adapters.optuna import OptunaSearch

        return OptunaSearch(seed=seed, **options)
    if name == "hyperopt":
        from hpo_adapters.hyperopt import HyperOptSearch

        return HyperOptSearch(random_state_seed=seed, n_initial_points=20, **options)
    if name == "bayesopt":
        from hpo_adapters.bayesopt import BayesOptSearch

        return BayesOptSearch(random_state=seed, random_search_steps=10, **options)
    return BasicVariantGenerator(random_state=seed)


def via_adapter(name: str, fn: TestFunction, evals: int, seed: int) -> list[float]:
    """The values of `evals` sequential trials of the adapter (or random search) on `fn`."""
    exp = Experiment(fn.space(), metric="y", mode="min", num_samples=evals, search_alg=_adapter(name, seed), seed=seed)
    values = []
    while (s := exp.ask()) is not None:
        values.append(fn(s.config))
        exp.tell(s.trial_id, {"y": values[-1]})
        exp.complete(s.trial_id)
    return values


# --- the same libraries, called directly -------------------------------------------------------------------
def direct_optuna(fn: TestFunction, evals: int, seed: int) -> list[float]:
    import optuna

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed, constant_liar=True))
    values = []
    for _ in range(evals):
        trial = study.ask()
        x = {f"x{i}": trial.suggest_float(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(fn.bounds)}
        values.append(fn(x))
        study.tell(trial, values[-1])
    return values


def direct_hyperopt(fn: TestFunction, evals: int, seed: int) -> list[float]:
    from hyperopt import Trials, fmin, hp, tpe

    space = {f"x{i}": hp.uniform(f"x{i}", lo, hi) for i, (lo, hi) in enumerate(fn.bounds)}
    trials = Trials()
    fmin(fn, space, algo=functools.partial(tpe.suggest, n_startup_jobs=20), max_evals=evals, trials=trials,
         rstate=np.random.default_rng(seed), show_progressbar=False)
    return [float(loss) for loss in trials.losses()]


def direct_bayesopt(fn: TestFunction, evals: int, seed: int) -> list[float]:
    from bayes_opt import BayesianOptimization
    from bayes_opt.acquisition import UpperConfidenceBound

    values: list[float] = []

    def target(**x: float) -> float:
        values.append(fn(x))
        return -values[-1]

    opt = BayesianOptimization(target, {f"x{i}": b for i, b in enumerate(fn.bounds)}, random_state=seed,
                               acquisition_function=UpperConfidenceBound(kappa=2.576), verbose=0,
                               allow_duplicate_points=True)
    opt.maximize(init_points=10, n_iter=evals - 10)
    return values


DIRECT: dict[str, Callable[[TestFunction, int, int], list[float]]] = {
    "optuna": direct_optuna, "hyperopt": direct_hyperopt, "bayesopt": direct_bayesopt,
}


# --- 1. overhead ------------------------------------------------------------------------------------------
def overhead(trials: dict[str, int], repeats: int = 5) -> list[dict[str, Any]]:
    rows = []
    fn = FUNCTIONS["branin"]
    for name, n in trials.items():
        best = {"direct": math.inf, "adapter": math.inf}
        DIRECT[name](fn, 12, 0), via_adapter(name, fn, 12, 0)  # warm-up: imports and first-call caches
        for _ in range(repeats if n >= 200 else 1):  # interleaved, best of the repetitions (shared machine)
            for kind in ("direct", "adapter"):
                start = time.process_time()  # CPU time of this process: other load on the machine adds less noise
                DIRECT[name](fn, n, 0) if kind == "direct" else via_adapter(name, fn, n, 0)
                best[kind] = min(best[kind], time.process_time() - start)
        extra = best["adapter"] / best["direct"] - 1
        rows.append({"library": name, "trials": n, "direct ms/trial": 1e3 * best["direct"] / n,
                     "adapter ms/trial": 1e3 * best["adapter"] / n,
                     "extra ms/trial": 1e3 * (best["adapter"] - best["direct"]) / n, "extra %": 100 * extra})
    return rows


# --- 2. best found ------------------------------------------------------------------------------------------
def quality(seeds: dict[str, int], evals: dict[str, int], problems: tuple[str, ...] = PROBLEMS) -> list[dict[str, Any]]:
    rows = []
    for problem in problems:
        fn = FUNCTIONS[problem]
        for name in ("random", "optuna", "hyperopt", "bayesopt"):
            runs = {"adapter": [via_adapter(name, fn, evals[name], s) for s in range(seeds[name])]}
            if name in DIRECT:
                runs["direct"] = [DIRECT[name](fn, evals[name], s) for s in range(seeds[name])]
            for kind, traces in runs.items():
                row = {"problem": problem, "searcher": name, "how": kind, "seeds": seeds[name]}
                for k in CHECKPOINTS:
                    row[f"best@{k}"] = median_iqr(min(t[:k]) for t in traces) if k <= evals[name] else "-"
                if kind == "adapter" and "direct" in runs:
                    row["same trials as direct"] = "yes" if runs["direct"] == runs["adapter"] else "no"
                else:
                    row["same trials as direct"] = "-"
                rows.append(row)
                print("  " + " | ".join(str(v) for v in row.values()), flush=True)
    return rows


# --- 3. parallel-ask diversity ------------------------------------------------------------------------------
def _unit(fn: TestFunction, config: dict[str, Any]) -> list[float]:
    return [(config[f"x{i}"] - lo) / (hi - lo) for i, (lo, hi) in enumerate(fn.bounds)]


def _min_distance(points: list[list[float]]) -> float:
    x = np.asarray(points)
    d = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
    return float(d[np.triu_indices(len(x), 1)].min())


def diversity(seeds: dict[str, int], batch: int = 8, warm: int = 20) -> list[dict[str, Any]]:
    import optuna

    fn = FUNCTIONS["hartmann6"]
    variants: dict[str, Callable[[int], Any]] = {
        "random": lambda s: _adapter("random", s),
        "optuna TPE constant_liar": lambda s: _adapter("optuna", s),
        "optuna TPE without liar": lambda s: _adapter(
            "optuna", s, sampler=optuna.samplers.TPESampler(seed=s, constant_liar=False)),
        "hyperopt (pending docs)": lambda s: _adapter("hyperopt", s),
        "bayesopt constant liar": lambda s: _adapter("bayesopt", s),
    }
    rows = []
    for label, make in variants.items():
        n_seeds = seeds["bayesopt" if "bayesopt" in label else "optuna"]
        distances = []
        for seed in range(n_seeds):
            searcher = make(seed)
            exp = Experiment(fn.space(), metric="y", mode="min", num_samples=warm + batch, search_alg=searcher,
                             seed=seed)
            for _ in range(warm):
                s = exp.ask()
                exp.tell(s.trial_id, {"y": fn(s.config)})
                exp.complete(s.trial_id)
            distances.append(_min_distance([_unit(fn, exp.ask().config) for _ in range(batch)]))
        rows.append({"searcher": label, "seeds": n_seeds, "min pairwise distance of 8 pending": median_iqr(distances)})
    rows.append(_bayes_without_liar(fn, seeds["bayesopt"], batch, warm))
    return rows


def _bayes_without_liar(fn: TestFunction, n_seeds: int, batch: int, warm: int) -> dict[str, Any]:
    """bayes_opt's plain `suggest()` asked 8 times with nothing registered in between."""
    from bayes_opt import BayesianOptimization

    distances = []
    for seed in range(n_seeds):
        opt = BayesianOptimization(None, {f"x{i}": b for i, b in enumerate(fn.bounds)}, random_state=seed, verbose=0)
        for params in opt.random_sample(warm):
            opt.register(params, -fn(params))
        distances.append(_min_distance([_unit(fn, opt.suggest()) for _ in range(batch)]))
    return {"searcher": "bayesopt plain suggest()", "seeds": n_seeds,
            "min pairwise distance of 8 pending": median_iqr(distances)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.adapters", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds for random/optuna/hyperopt (default 3)")
    parser.add_argument("--bayes-seeds", type=int, default=1, help="seeds for bayes_opt (default 1)")
    parser.add_argument("--bayes-evals", type=int, default=50, help="evaluations per bayes_opt run (default 50)")
    parser.add_argument("--only", default="overhead,quality,diversity", help="comma-separated parts to run")
    parser.add_argument("--problems", default=",".join(PROBLEMS), help="comma-separated test functions")
    parser.add_argument("--out", type=Path, default=None, help="also write the tables to DIR/adapters.md")
    args = parser.parse_args(argv)
    _quiet()
    seeds = {"random": args.seeds, "optuna": args.seeds, "hyperopt": args.seeds, "bayesopt": args.bayes_seeds}
    evals = {"random": 100, "optuna": 100, "hyperopt": 100, "bayesopt": args.bayes_evals}
    parts = set(args.only.split(","))
    text = []
    if "overhead" in parts:
        rows = overhead({"optuna": 200, "hyperopt": 200, "bayesopt": min(args.bayes_evals, 30)})
        text.append("## Overhead: adapter through Experiment vs the library's own loop (Branin, CPU time, best of 5)\n\n"
                    + markdown_table(rows, list(rows[0])))
        print(text[-1] + "\n", flush=True)
    if "quality" in parts:
        rows = quality(seeds, evals, tuple(args.problems.split(",")))
        text.append("## Best found, median [25 %, 75 %] over seeds\n\n" + markdown_table(rows, list(rows[0])))
        print(text[-1] + "\n", flush=True)
    if "diversity" in parts:
        rows = diversity(seeds)
        text.append("## Parallel asks: 8 pending after 20 finished (Hartmann6, unit cube)\n\n"
                    + markdown_table(rows, list(rows[0])))
        print(text[-1] + "\n", flush=True)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "adapters.md").write_text("\n\n".join(text) + "\n")


if __name__ == "__main__":
    main()
