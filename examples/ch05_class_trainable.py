"""A class trainable registered by name: Q-learning on the maze as `tune.Trainable`, run as `tune.run("QLearning")`.

Each `step()` trains a few more episodes and reports the average steps to the goal; `save_checkpoint` /
`load_checkpoint` keep the Q-table, so the synchronous HyperBand scheduler can pause trials and resume them later
exactly where they were. Run: python examples/ch05_class_trainable.py [--smoke]
"""
from __future__ import annotations

import argparse

import numpy as np
from maze import Environment, Policy, evaluate_policy, train_policy

from hpo_ray import tune
from hpo_ray.tune.schedulers import HyperBandScheduler


class QLearning(tune.Trainable):
    def setup(self, config):
        self.env = Environment()
        self.policy = Policy(self.env)

    def step(self):
        train_policy(self.env, num_episodes=self.config["episodes_per_step"], weight=self.config["weight"],
                     discount_factor=self.config["discount_factor"], epsilon=self.config["epsilon"],
                     seed=self.iteration, policy=self.policy)
        return {"score": evaluate_policy(self.env, self.policy, num_episodes=1)}

    def save_checkpoint(self, checkpoint_dir):
        return {"table": self.policy.table.tolist()}

    def load_checkpoint(self, checkpoint):
        self.policy.table = np.array(checkpoint["table"])


tune.register_trainable("QLearning", QLearning)


def main(smoke: bool = False):
    analysis = tune.run(
        "QLearning",
        config={
            "weight": tune.loguniform(1e-3, 1.0),
            "discount_factor": tune.uniform(0.1, 0.99),
            "epsilon": tune.uniform(0.05, 0.5),
            "episodes_per_step": 2,
        },
        metric="score",
        mode="min",
        scheduler=HyperBandScheduler(max_t=9 if smoke else 27),
        stop={"training_iteration": 9 if smoke else 27},
        num_samples=6 if smoke else 16,
        seed=0,
    )
    best = analysis.best_trial
    print("best config:", best.config)
    print(f"best trial {best}: {best.last_result['score']} steps after {best.last_result['training_iteration']} steps "
          f"(optimum {Environment().shortest_path})")
    print("iterations per trial:", sorted(t.last_result.get("training_iteration", 0) for t in analysis.trials))
    return analysis


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="fewer trials and steps, for tests")
    main(parser.parse_args().smoke)
