"""Examples 5-10 and 5-11: a callback printing each result, extra metrics, and `pretty_print` of the best result.

Run: python examples/ch05_10_callbacks.py [--smoke]
"""
from __future__ import annotations

import argparse

from hpo_ray import tune
from hpo_ray.tune import Callback
from hpo_ray.tune.logger import pretty_print


# Example 5-10.
class PrintResultCallback(Callback):
    def on_trial_result(self, iteration, trials, trial, result, **info):
        print(f"Trial {trial} in iteration {iteration}, got result: {result['score']}")


def objective(config):
    for step in range(30):
        score = config["weight"] * (step ** 0.5) + config["bias"]
        tune.report(score=score, step=step, more_metrics={})


def main(smoke: bool = False):
    # Example 5-11.
    search_space = {"weight": tune.uniform(0, 1), "bias": tune.uniform(0, 1)}

    analysis = tune.run(
        objective,
        config=search_space,
        mode="min",
        metric="score",
        num_samples=2 if smoke else 4,
        callbacks=[PrintResultCallback()],
        seed=0,
    )

    best = analysis.best_trial
    print(pretty_print(best.last_result))
    return analysis


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="fewer trials, for tests")
    main(parser.parse_args().smoke)
