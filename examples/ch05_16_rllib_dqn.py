"""Example 5-16: tune an RLlib algorithm by name: `tune.run("DQN", config={"env": ..., "lr": tune.uniform(...)})`.

Needs `pip install "asktell[rl]"` (ray[rllib], torch, gymnasium). Differences from the book: gymnasium has
`CartPole-v1` (v0 is gone), RLlib's new API stack reports `env_runners/episode_return_mean` (asktell adds the
old name `episode_reward_mean` as an alias), and the book's train batch sizes of 10,000-40,000 are for hours of
training: here batches are small, each iteration samples only 100 environment steps (RLlib's default, 1,000,
takes ~25 s per iteration on 2 CPUs) and a `stop` condition ends each trial. The default run tunes 2 trials for 2
iterations; `--smoke` runs one trial for one iteration.
Run: python examples/ch05_16_rllib_dqn.py [--smoke]
"""
from __future__ import annotations

import argparse

from hpo_ray import tune


def main(smoke: bool = False):
    config = {
        "env": "CartPole-v1",
        "lr": tune.uniform(1e-5, 1e-4),
        "train_batch_size": tune.choice([32, 64, 128]),
        # not in the book: short iterations, so the example ends within a minute or so
        "num_steps_sampled_before_learning_starts": 100,
        "min_sample_timesteps_per_iteration": 100,
    }
    analysis = tune.run(
        "DQN",
        metric="episode_reward_mean",
        mode="max",
        config=config,
        num_samples=1 if smoke else 2,
        stop={"training_iteration": 1 if smoke else 2},
        resources_per_trial={"cpu": 1},
        seed=0,
    )
    best = analysis.best_result
    print("best config:", {k: analysis.best_config[k] for k in ("lr", "train_batch_size")})
    print(f"episode_reward_mean={best['episode_reward_mean']:.2f} after {best['training_iteration']} iteration(s), "
          f"{best['num_env_steps_sampled_lifetime']:.0f} env steps")
    return analysis


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="one trial, one iteration, for tests")
    main(parser.parse_args().smoke)
