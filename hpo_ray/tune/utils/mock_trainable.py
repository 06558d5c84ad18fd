"""`MyTrainableClass`: a toy `Trainable` whose reward rises as `tanh(step / width) * height` (what Ray Tune's
examples import from `ray.tune.utils.mock_trainable`), with a JSON checkpoint of its step."""
from __future__ import annotations

import json
import math
import os
from typing import Any

from hpo_core.trainables import Trainable


class MyTrainableClass(Trainable):
    """Reports `episode_reward_mean = tanh(step / width) * height` (config keys default to 1).

    Example:
        >>> trainable = MyTrainableClass({"width": 2, "height": 3})
        >>> round(trainable.step()["episode_reward_mean"], 3)
        1.387
    """

    def setup(self, config: dict[str, Any]) -> None:
        self.timestep = 0

    def step(self) -> dict[str, Any]:
        self.timestep += 1
        value = math.tanh(self.timestep / self.config.get("width", 1)) * self.config.get("height", 1)
        return {"episode_reward_mean": value}

    def save_checkpoint(self, checkpoint_dir: str) -> None:
        with open(os.path.join(checkpoint_dir, "checkpoint.json"), "w") as handle:
            json.dump({"timestep": self.timestep}, handle)

    def load_checkpoint(self, checkpoint: str) -> None:
        with open(os.path.join(checkpoint, "checkpoint.json")) as handle:
            self.timestep = json.load(handle)["timestep"]
