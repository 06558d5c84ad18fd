"""Example 5-7: Bayesian optimisation (the `bayesian-optimization` library) as the search algorithm.

Needs `pip install "asktell[bayesopt]"`. Run: python examples/ch05_07_bayesopt.py [--smoke]
"""
from __future__ import annotations

import argparse

from ch05_04_tune_run import search_space, tune_objective

from hpo_ray import tune
from hpo_ray.tune.suggest.bayesopt import BayesOptSearch


def main(smoke: bool = False):
    algo = BayesOptSearch(random_search_steps=4)
    space = dict(search_space, num_episodes=100) if smoke else search_space

    analysis = tune.run(
        tune_objective,
        config=space,
        metric="score",
        mode="min",
        search_alg=algo,
        stop={"training_iteration": 10},
        num_samples=6 if smoke else 12,
        seed=0,
    )
    # tune_objective reports once, so every trial ends after its first result (before the 10-iteration stop).
    print("best config:", analysis.best_config)
    print("best score:", analysis.best_result["score"])
    return analysis


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="fewer episodes and trials, for tests")
    main(parser.parse_args().smoke)
