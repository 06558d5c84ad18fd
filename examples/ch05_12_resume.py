"""Example 5-12: resume an interrupted experiment by its name (the path of its folder).

The first run is interrupted (a callback raises KeyboardInterrupt, as Ctrl-C would) after a few trials; the second
`tune.run(..., name=<folder>, resume=True)` keeps the finished trials and runs only what is left.
Run: python examples/ch05_12_resume.py [--smoke]
"""
from __future__ import annotations

import argparse
import os
import tempfile

from ch05_08_hyperband import objective, search_space  # the toy curve of example 5-8

from hpo_ray import tune
from hpo_ray.tune import Callback


class CountStarts(Callback):
    def __init__(self):
        self.started = 0

    def on_trial_start(self, iteration, trials, trial, **info):
        self.started += 1


class InterruptAfter(Callback):
    """Simulates Ctrl-C once `count` trials have finished."""

    def __init__(self, count: int):
        self.count, self.done = count, 0

    def on_trial_complete(self, iteration, trials, trial, **info):
        self.done += 1
        if self.done == self.count:
            raise KeyboardInterrupt


def main(smoke: bool = False):
    num_samples = 4 if smoke else 8
    folder = os.path.join(os.environ.get("ASKTELL_STORAGE_PATH") or tempfile.mkdtemp(), "objective_resume_demo")
    try:
        tune.run(objective, name=folder, config=search_space, num_samples=num_samples, max_concurrent_trials=1,
                 metric="score", mode="min", callbacks=[InterruptAfter(2)], seed=0)
    except KeyboardInterrupt:
        print(f"interrupted; experiment folder: {folder}")

    # Example 5-12: the same call with the folder as `name` and resume=True.
    starts = CountStarts()
    analysis = tune.run(
        objective,
        name=folder,
        resume=True,
        config=search_space,
        num_samples=num_samples,
        metric="score",
        mode="min",
        callbacks=[starts],
        seed=0,
    )
    finished = [t for t in analysis.trials if t.last_result.get("training_iteration") == 30]
    print(f"after resume: {len(analysis.trials)} trials, {len(finished)} ran all 30 steps, "
          f"{starts.started} (re)started by the resumed run")
    print("best config:", analysis.best_config)
    return analysis


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="fewer trials, for tests")
    main(parser.parse_args().smoke)
