"""Examples 5-1 to 5-3: random search over the maze's Q-learning with plain Ray tasks (no tuning library).

Run: python examples/ch05_01_ray_tasks.py [--smoke]
"""
from __future__ import annotations

import argparse
import random

import ray
from maze import Environment, evaluate_policy, train_policy

NUM_EPISODES = 10000

# Example 5-1: ten random choices of the two hyperparameters.
random.seed(0)
search_space = []
for i in range(10):
    random_choice = {
        "weight": random.uniform(0, 1),
        "discount_factor": random.uniform(0, 1),
    }
    search_space.append(random_choice)


# Example 5-2: the objective as a Ray task.
@ray.remote
def objective(config, num_episodes=NUM_EPISODES):
    environment = Environment()
    policy = train_policy(
        environment, num_episodes=num_episodes, weight=config["weight"], discount_factor=config["discount_factor"]
    )
    score = evaluate_policy(environment, policy)
    return [score, config]


def main(smoke: bool = False) -> list:
    if not ray.is_initialized():
        ray.init(address="local")  # "local": always a new instance, never a stale one named in /tmp/ray
    episodes = 200 if smoke else NUM_EPISODES
    # Example 5-3: run all of them in parallel and sort by score (steps to the goal, lower is better).
    result_objects = [objective.remote(choice, episodes) for choice in search_space]
    results = ray.get(result_objects)

    results.sort(key=lambda x: x[0])
    # The book prints results[-1], which after an ascending sort is the *worst* run; the best is results[0].
    print("best:", results[0])
    print("worst:", results[-1])
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="fewer training episodes, for tests")
    main(parser.parse_args().smoke)
