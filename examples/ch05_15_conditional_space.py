"""Example 5-15: custom and conditional search spaces with `tune.sample_from`.

The book's example reads `context.config.alpha`, a key the space does not have (Ray Tune fails on it too). The bias
is meant to be the weight times a standard normal, so it must read `context.config.weight`; `sample_from` waits for
the weight to be sampled first. (`lambda spec: spec.config.weight` and `lambda config: config["weight"]` work too.)
Run: python examples/ch05_15_conditional_space.py [--smoke]
"""
from __future__ import annotations

import argparse

import numpy as np
from ch05_08_hyperband import objective  # the toy curve of example 5-8

from hpo_ray import tune

search_space = {
    "weight": tune.sample_from(lambda context: np.random.uniform(low=0.0, high=1.0)),
    "bias": tune.sample_from(lambda context: context.config.weight * np.random.normal()),
}


def main(smoke: bool = False):
    analysis = tune.run(objective, config=search_space, num_samples=4 if smoke else 10, metric="score", mode="min",
                        seed=0)
    for trial in analysis.trials:
        config = trial.config
        print(f"weight={config['weight']:.4f} bias={config['bias']:+.4f} bias/weight={config['bias'] / config['weight']:+.3f}")
    print("best config:", analysis.best_config)
    return analysis


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="fewer trials, for tests")
    main(parser.parse_args().smoke)
