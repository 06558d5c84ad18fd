"""Examples 5-13 and 5-14: stop trials with a dict of thresholds, a function, or a `Stopper` class.

Run: python examples/ch05_13_stopping.py [--smoke]
"""
from __future__ import annotations

import argparse

from ch05_08_hyperband import objective, search_space  # the toy curve of example 5-8

from hpo_ray import tune


# Example 5-14: a stop function (the score grows with the steps, so "< 2" holds early and stops at once).
def stopper(trial_id, result):
    return result["score"] < 2


class ScoreAbove(tune.Stopper):
    """A Stopper with state: stop a trial once its score passed `limit`, and everything after `max_stops` stops."""

    def __init__(self, limit: float, max_stops: int):
        self.limit, self.max_stops, self.stops = limit, max_stops, 0

    def __call__(self, trial_id, result):
        if result["score"] > self.limit:
            self.stops += 1
            return True
        return False

    def stop_all(self):
        return self.stops >= self.max_stops


def main(smoke: bool = False):
    num_samples = 3 if smoke else 10
    # Example 5-13: stop after 10 iterations.
    by_dict = tune.run(objective, config=search_space, stop={"training_iteration": 10}, num_samples=num_samples,
                       seed=0)
    print("dict stop, iterations:", sorted(t.last_result["training_iteration"] for t in by_dict.trials))

    by_function = tune.run(objective, config=search_space, stop=stopper, num_samples=num_samples, seed=0)
    print("function stop, iterations:", sorted(t.last_result["training_iteration"] for t in by_function.trials))

    by_class = tune.run(objective, config=search_space, stop=ScoreAbove(2.5, max_stops=2), num_samples=num_samples,
                        max_concurrent_trials=1, seed=0)
    print("Stopper class, iterations:", [t.last_result.get("training_iteration") for t in by_class.trials])
    return by_dict, by_function, by_class


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="fewer trials, for tests")
    main(parser.parse_args().smoke)
