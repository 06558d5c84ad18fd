"""`tune.run`: resolve the trainable (name, Trainable class or function), map the chapter's arguments, run on Ray."""
from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from hpo_core.trainables import resolve_trainable

# Ray Tune arguments that only change console output or Ray-internal reuse; accepted and ignored here.
_COSMETIC = ("progress_reporter", "reuse_actors", "log_to_file", "checkpoint_at_end", "keep_checkpoints_num")


def _driver() -> Callable[..., Any]:
    """`hpo_ray.run` (the Ray executor); `hpo_core.run` while hpo_ray has none."""
    import hpo_ray

    driver = getattr(hpo_ray, "run", None)
    if driver is None:
        import hpo_core

        driver = getattr(hpo_core, "run", None)
        if driver is None:
            from hpo_core.driver import run as driver
    return driver


def run(run_or_experiment: Any, config: dict[str, Any] | None = None, **kwargs: Any):
    """Run an experiment, as `ray.tune.run` does: `run_or_experiment` is a function, a `Trainable` class or a name
    (`register_trainable(name, ...)`, or an RLlib algorithm such as "DQN" when `ray[rllib]` is installed).

    Takes the driver's arguments (`num_samples, metric, mode, search_alg, scheduler, stop, resources_per_trial,
    max_concurrent_trials, callbacks, name, storage_path, resume, ...`); `name` may be the path of an experiment
    folder (the chapter's resume example). `local_dir` is an old spelling of `storage_path`. Returns the
    `ExperimentAnalysis`.
    """
    trainable = resolve_trainable(run_or_experiment)
    if "local_dir" in kwargs:
        kwargs.setdefault("storage_path", kwargs.pop("local_dir"))
    ignored = [key for key in _COSMETIC if kwargs.pop(key, None) is not None]
    if ignored:
        warnings.warn(f"tune.run: {ignored} change only Ray Tune's own output and are ignored", stacklevel=2)
    return _driver()(trainable, config=config, **kwargs)
