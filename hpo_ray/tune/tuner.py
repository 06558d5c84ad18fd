"""`tune.Tuner` on Ray: `hpo_core.tuner.Tuner` whose trials run on the `RayExecutor` (`hpo_ray.run`)."""
from __future__ import annotations

from typing import Any

from hpo_core.tuner import Tuner as CoreTuner


class Tuner(CoreTuner):
    """Ray Tune's `Tuner` (see `hpo_core.tuner.Tuner`); trials run as Ray actors.

    Args:
        trainable: a function, a `Trainable` class or a name, optionally wrapped by `with_resources`.
        param_space: the search space.
        tune_config: `TuneConfig`.
        run_config: `RunConfig`.

    Example:
        >>> from hpo_ray import tune
        >>> grid = tune.Tuner(lambda config: {"loss": config["x"] ** 2},
        ...                   param_space={"x": tune.uniform(-1, 1)},
        ...                   tune_config=tune.TuneConfig(metric="loss", mode="min", num_samples=3)).fit()
        >>> len(grid)  # doctest: +SKIP
        3
    """

    @staticmethod
    def run_function(*args: Any, **kwargs: Any):
        from hpo_ray import run  # imported here: hpo_ray's package imports Ray

        return run(*args, **kwargs)
