"""Examples 5-4 to 5-6: the same random search through `tune.run`.

Chapter imports `from ray import tune`; here `from hpo_ray import tune`, the rest is unchanged.
Run: python examples/ch05_04_tune_run.py [--smoke]
"""
from __future__ import annotations

import argparse

from maze import Environment, evaluate_policy, train_policy

from hpo_ray import tune

# Example 5-4: the search space with tune's primitives.
search_space = {
    "weight": tune.uniform(0, 1),
    "discount_factor": tune.uniform(0, 1),
}

NUM_EPISODES = 10000


# Example 5-5: the objective returns its score as a dict; no ray.remote needed.
def tune_objective(config):
    environment = Environment()
    policy = train_policy(
        environment,
        num_episodes=config.get("num_episodes", NUM_EPISODES),
        weight=config["weight"],
        discount_factor=config["discount_factor"],
    )
    score = evaluate_policy(environment, policy)

    return {"score": score}


def main(smoke: bool = False):
    space = dict(search_space, num_episodes=200) if smoke else search_space
    # Example 5-6 (plus num_samples=10 as in example 5-1 and a seed so runs repeat).
    analysis = tune.run(tune_objective, config=space, num_samples=10, seed=0)
    print("best config:", analysis.get_best_config(metric="score", mode="min"))
    print("scores:", sorted(t.last_result["score"] for t in analysis.trials))
    return analysis


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="fewer training episodes, for tests")
    main(parser.parse_args().smoke)
