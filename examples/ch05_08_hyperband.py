"""Examples 5-8 and 5-9: HyperBand stops trials of a toy learning curve early.

score = weight * sqrt(step) + bias, reported at each of 30 steps; the best trials have small weight and bias.
Run: python examples/ch05_08_hyperband.py [--smoke]
"""
from __future__ import annotations

import argparse

from hpo_ray import tune
from hpo_ray.tune.schedulers import HyperBandScheduler


# Example 5-8.
def objective(config):
    for step in range(30):
        score = config["weight"] * (step ** 0.5) + config["bias"]
        tune.report(score=score)


search_space = {"weight": tune.uniform(0, 1), "bias": tune.uniform(0, 1)}


def main(smoke: bool = False):
    # Example 5-9.
    scheduler = HyperBandScheduler(metric="score", mode="min")

    analysis = tune.run(
        objective,
        config=search_space,
        scheduler=scheduler,
        num_samples=10,
        seed=0,
    )

    print("best config:", analysis.get_best_config(metric="score", mode="min"))
    iterations = sorted(t.last_result["training_iteration"] for t in analysis.trials)
    print("iterations per trial:", iterations, "(30 = ran to the end)")
    return analysis


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="accepted for symmetry; this example is already fast")
    main(parser.parse_args().smoke)
