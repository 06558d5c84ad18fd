"""`tune.run`: resolve the trainable (name, Trainable class or function), map the chapter's arguments, run on Ray."""
from __future__ import annotations

import warnings
from typing import Any

from hpo_core.trainables import resolve_trainable
from hpo_core.tune_config import progress_callbacks
from hpo_core.tuner import split_resources

# Ray Tune settings for its own console output, actor reuse and checkpoint retention; accepted and ignored here
# (asktell reuses nothing, and keeps each trial's latest checkpoint).
_COSMETIC = ("reuse_actors", "log_to_file", "checkpoint_at_end", "keep_checkpoints_num")


def run(run_or_experiment: Any, config: dict[str, Any] | None = None, **kwargs: Any):
    """Run an experiment, as `ray.tune.run` does: `run_or_experiment` is a function, a `Trainable` class or a name
    (`register_trainable(name, ...)`, or an RLlib algorithm such as "DQN" when `ray[rllib]` is installed).

    Takes the driver's arguments (`num_samples, metric, mode, search_alg, scheduler, stop, resources_per_trial,
    max_concurrent_trials, callbacks, name, storage_path, resume, ...`); `name` may be the path of an experiment
    folder (the chapter's resume example). `local_dir` is an old spelling of `storage_path`. Returns the
    `ExperimentAnalysis`.
    """
    trainable, resources = split_resources(run_or_experiment)  # `with_resources(trainable, ...)`
    if resources is not None:
        kwargs.setdefault("resources_per_trial", resources)
    trainable = resolve_trainable(trainable)
    if "local_dir" in kwargs:
        kwargs.setdefault("storage_path", kwargs.pop("local_dir"))
    reporter = kwargs.pop("progress_reporter", None)
    kwargs["callbacks"] = list(kwargs.get("callbacks") or []) + progress_callbacks(
        reporter, verbose=kwargs.get("verbose", 1), metric=kwargs.get("metric"), mode=kwargs.get("mode"))
    ignored = [key for key in _COSMETIC if kwargs.pop(key, None) is not None]
    if ignored:
        warnings.warn(f"tune.run: {ignored} are Ray Tune settings asktell does not use; ignored", stacklevel=2)
    from hpo_ray import run as ray_run  # imported here: hpo_ray's package imports Ray

    return ray_run(trainable, config=config, **kwargs)
