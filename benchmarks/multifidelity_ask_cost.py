"""Per-ask cost of the multi-fidelity searchers at 100 and 2,000 observations (`python -m
benchmarks.multifidelity_ask_cost`), beside random search's ask measured in the same run.

Each searcher is told observations as ASHA (η = 3, rungs 1..81) would produce them on `curves-hard` — every trial
reports at rung 1, a third go on to the next rung, and so on — with a third of the trials still running; then
`asks` more suggestions are timed. Prints milliseconds per ask (median of `repeat` timings).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from hpo_core.searchers import BasicVariantGenerator, BOHBSearcher, DEHBSearcher, Fidelity, MOBSTERSearcher
from hpo_core.space import Space

from .problems import get_problem

SEARCHERS = {"random": BasicVariantGenerator, "bohb": BOHBSearcher, "dehb": DEHBSearcher, "mobster": MOBSTERSearcher}


def filled(make, observations: int, seed: int = 0):
    """A searcher told `observations` rung results of ASHA-like trials on curves-hard."""
    problem = get_problem("curves-hard")
    searcher = make()
    searcher.set_search_properties(problem.metric, problem.mode, Space(problem.space()))
    searcher.set_rng(np.random.default_rng(seed))
    if searcher.multi_fidelity:
        searcher.set_fidelity(Fidelity.geometric(grace_period=1, max_t=problem.max_t, reduction_factor=3))
    promote = np.random.default_rng(seed + 1)
    told, index = 0, 0
    while told < observations:
        trial_id = f"{index:05d}"
        config = searcher.suggest(trial_id)
        index += 1
        curve = [metrics[problem.metric] for _, metrics in problem.curve(config)]
        for level in (1, 3, 9, 27, 81):
            searcher.on_trial_result(trial_id, {problem.metric: curve[level - 1], "training_iteration": level})
            told += 1
            if told >= observations or promote.random() > 1 / 3:
                break
        if index % 3:
            searcher.on_trial_complete(trial_id, None)
    return searcher


def ask_ms(make, observations: int, *, asks: int = 20, repeat: int = 3) -> float:
    timings = []
    for r in range(repeat):
        searcher = filled(make, observations)
        started = time.perf_counter()
        for k in range(asks):
            searcher.suggest(f"ask{r}-{k}")
        timings.append((time.perf_counter() - started) / asks * 1000)
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", default="100,2000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.observations.split(",")]
    print("| searcher | " + " | ".join(f"ms per ask at {c} observations" for c in counts) + " |")
    print("|---|" + "---|" * len(counts))
    for name, make in SEARCHERS.items():
        cells = [f"{ask_ms(make, c, repeat=args.repeat):.2f}" for c in counts]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
