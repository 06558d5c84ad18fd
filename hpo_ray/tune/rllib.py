"""RLlib algorithms as trainables by name: `tune.run("DQN", config={"env": "CartPole-v1", "lr": ...})`.

Installed as a name resolver of `hpo_core.trainables`; RLlib (`pip install "asktell[rl]"`) is imported only when an
unregistered name is looked up. Each trial builds the algorithm from the default config of its class updated with
the trial's config, reports every `train()` result flattened to "a/b" keys, and (with `checkpoint_frequency`)
checkpoints through the algorithm's own `save_to_path` / `restore_from_path`.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from hpo_core.errors import AsktellValueError
from hpo_core.trainables import Trainable, add_resolver, as_function

# Old result names the chapter uses -> where RLlib's new API stack reports them.
RESULT_ALIASES = {
    "episode_reward_mean": "env_runners/episode_return_mean",
    "episode_reward_max": "env_runners/episode_return_max",
    "episode_reward_min": "env_runners/episode_return_min",
    "episode_len_mean": "env_runners/episode_len_mean",
}


# RLlib's algorithm names (ray 2.60). Importing RLlib takes seconds, so an unknown name is checked against this
# list first and RLlib is imported only for a name on it.
KNOWN_ALGORITHMS = frozenset({"APPO", "BC", "CQL", "DQN", "DreamerV3", "IMPALA", "IQL", "MARWIL", "PPO", "SAC"})


def algorithm_names() -> list[str]:
    """The algorithm names RLlib knows ([] when RLlib is not installed)."""
    try:
        from ray.rllib.algorithms.registry import ALGORITHMS
    except ImportError:
        return []
    return sorted(ALGORITHMS)


def flatten_result(result: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dicts to "a/b" keys, keeping numbers, booleans and short strings (drops RLlib's config echo)."""
    flat: dict[str, Any] = {}
    for key, value in result.items():
        path = f"{prefix}/{key}" if prefix else str(key)
        if path == "config":
            continue
        if isinstance(value, dict):
            flat.update(flatten_result(value, path))
        elif isinstance(value, bool) or (isinstance(value, (int, float)) and math.isfinite(value)):
            flat[path] = value
        elif hasattr(value, "item") and getattr(value, "size", 0) == 1:  # numpy / torch scalars
            flat[path] = value.item()
    for old, new in RESULT_ALIASES.items():
        if new in flat and old not in flat:
            flat[old] = flat[new]
    return flat


class RLlibTrainable(Trainable):
    """One RLlib algorithm per trial; `step()` is one `train()` iteration."""

    def setup(self, config: dict[str, Any], *, algorithm: str) -> None:
        from ray.rllib.algorithms.registry import _get_algorithm_class

        cls = _get_algorithm_class(algorithm)
        algo_config = cls.get_default_config().update_from_dict(dict(config))
        self.algorithm = algo_config.build_algo() if hasattr(algo_config, "build_algo") else algo_config.build()

    def step(self) -> dict[str, Any]:
        result = flatten_result(self.algorithm.train())
        result.pop("training_iteration", None)  # asktell counts iterations itself
        result.pop("done", None)
        return result

    def save_checkpoint(self, checkpoint_dir: str) -> None:
        self.algorithm.save_to_path(checkpoint_dir)

    def load_checkpoint(self, checkpoint: dict[str, Any] | str) -> None:
        self.algorithm.restore_from_path(checkpoint)

    def cleanup(self) -> None:
        algorithm = getattr(self, "algorithm", None)
        if algorithm is not None:
            algorithm.stop()


def rllib_trainable(algorithm: str, *, checkpoint_frequency: int = 0) -> Callable:
    """A function trainable running RLlib's `algorithm` (no checkpoints unless `checkpoint_frequency` > 0)."""
    function = as_function(RLlibTrainable, checkpoint_frequency=checkpoint_frequency, algorithm=algorithm)
    function.__name__ = function.__qualname__ = algorithm
    return function


def resolve(name: str) -> Callable | None:
    """The resolver hook: a trainable for an RLlib algorithm name, None for any other name."""
    if name not in KNOWN_ALGORITHMS:
        return None
    known = algorithm_names()
    if not known:
        raise AsktellValueError(f"trainable {name!r} is an RLlib algorithm: install it with pip install 'asktell[rl]'")
    return rllib_trainable(name) if name in known else None


def install() -> None:
    add_resolver(resolve)
