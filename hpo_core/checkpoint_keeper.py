"""`CheckpointKeeper`: keeps the checkpoints `CheckpointConfig(num_to_keep, checkpoint_score_attribute, ...)` asks
for, as folders `checkpoint_<iteration>` in each trial's folder (what `Result.best_checkpoints` lists).

The experiment itself keeps only each trial's latest checkpoint (its restore point); this callback, added by
`Tuner` when the config names `num_to_keep` or a score attribute, writes the others on the driver.
"""
from __future__ import annotations

import math
import os
import shutil
from dataclasses import dataclass
from typing import Any

import cloudpickle

from .callbacks import Callback
from .checkpoint import Checkpoint
from .result_grid import checkpoint_value
from .tune_config import CheckpointConfig

PICKLED = "checkpoint.pkl"


@dataclass
class Kept:
    """One kept checkpoint: its folder, the result it came with and its rank score (larger is better)."""

    folder: str
    result: dict[str, Any]
    score: float

    def load(self) -> Any:
        """The checkpoint: a `Checkpoint` of the folder, or the object the trainable reported."""
        pickled = os.path.join(self.folder, PICKLED)
        if os.path.isfile(pickled):
            with open(pickled, "rb") as handle:
                return cloudpickle.load(handle)
        return Checkpoint.from_directory(self.folder)


class CheckpointKeeper(Callback):
    """Writes every reported checkpoint into its trial's folder and keeps the best `num_to_keep` of each trial.

    Args:
        config: the run's `CheckpointConfig`.

    Example:
        >>> keeper = CheckpointKeeper(CheckpointConfig(num_to_keep=2))
        >>> keeper.best("no-such-trial")
        []
    """

    def __init__(self, config: CheckpointConfig):
        self.config = config
        self.kept: dict[str, list[Kept]] = {}

    @staticmethod
    def wanted(config: CheckpointConfig) -> bool:
        return config.num_to_keep is not None or config.checkpoint_score_attribute is not None

    def on_checkpoint(self, iteration: int, trials: list, trial: Any, checkpoint: Any, **info: Any) -> None:
        if trial.path is None:
            return
        result = dict(trial.last_result)
        folder = os.path.join(trial.path, f"checkpoint_{result.get('training_iteration', trial.iteration):06d}")
        shutil.rmtree(folder, ignore_errors=True)
        value = checkpoint_value(checkpoint)
        if isinstance(value, Checkpoint):
            value.to_directory(folder)
        else:
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, PICKLED), "wb") as handle:
                cloudpickle.dump(value, handle)
        kept = self.kept.setdefault(trial.trial_id, [])
        kept.append(Kept(folder, result, self._score(result)))
        limit = self.config.num_to_keep
        while limit is not None and len(kept) > limit:
            worst = min(kept[:-1], key=lambda k: k.score)  # never the newest: it is the trial's restore point
            kept.remove(worst)
            shutil.rmtree(worst.folder, ignore_errors=True)

    def _score(self, result: dict[str, Any]) -> float:
        attribute = self.config.checkpoint_score_attribute
        if attribute is None:
            return float(result.get("training_iteration", 0))  # the latest are the best
        value = result.get(attribute)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            return -math.inf
        return float(value) if self.config.checkpoint_score_order == "max" else -float(value)

    def best(self, trial_id: str) -> list[tuple[Any, dict[str, Any]]]:
        """(checkpoint, result) pairs kept for the trial, oldest first."""
        return [(k.load(), k.result) for k in self.kept.get(trial_id, [])]
