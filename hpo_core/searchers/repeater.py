"""`Repeater`: run every config of a searcher `repeat` times and tell the searcher the mean (Ray Tune semantics)."""
from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from ..errors import AsktellValueError
from .base import FINISHED, Searcher, _Finished
from .wrapper import WrappingSearcher

TRIAL_INDEX = "__trial_index__"
"""The config key that holds a trial's index (0 .. repeat-1) within its group of repeats."""


class Repeater(WrappingSearcher):
    """Gives each config of `searcher` to `repeat` consecutive trials (with `config["__trial_index__"]` = 0, 1, ...
    when `set_index`), then asks for a new one.

    The inner searcher sees only the first trial of each group (its "primary" trial id): once every trial of the
    group completed, it is told `{metric: mean}` over the trials that reported the metric (NaN ignored, all NaN
    gives NaN). A group in which no trial produced the metric is told as an error. Set `num_samples` to a multiple
    of `repeat`, or the last group never reports. Intermediate results are not passed on (they belong to different trials).
    """

    def __init__(self, searcher: Searcher, repeat: int = 1, set_index: bool = True):
        super().__init__(searcher)
        if isinstance(repeat, bool) or not isinstance(repeat, (int, np.integer)) or repeat < 1:
            raise AsktellValueError(f"`repeat` must be an int >= 1, but got {repeat!r}")
        self.repeat = int(repeat)
        self.set_index = bool(set_index)
        # each group: {"primary": id, "config": dict, "members": [ids], "scores": {id: {metric: value} | None},
        #              "pruned": bool}
        self.groups: list[dict[str, Any]] = []
        self.group_of: dict[str, int] = {}  # trial id -> index into `groups`

    def suggest(self, trial_id: str) -> dict[str, Any] | None | _Finished:
        group = self.groups[-1] if self.groups else None
        if group is None or len(group["members"]) >= self.repeat:
            config = self.searcher.suggest(trial_id)
            if config is None or config is FINISHED:
                return config
            group = {"primary": trial_id, "config": config, "members": [], "scores": {}, "pruned": False}
            self.groups.append(group)
        index = len(group["members"])
        group["members"].append(trial_id)
        self.group_of[trial_id] = len(self.groups) - 1
        config = copy.deepcopy(group["config"])
        if self.set_index:
            config[TRIAL_INDEX] = index
        return config

    def on_trial_result(self, trial_id: str, result: dict[str, Any]) -> None:
        """Not passed on: the inner searcher knows only one trial per group."""

    def on_trial_complete(
        self, trial_id: str, result: dict[str, Any] | None = None, error: bool = False, pruned: bool = False
    ) -> None:
        index = self.group_of.get(trial_id)
        if index is None:
            return
        group = self.groups[index]
        if trial_id in group["scores"]:
            return
        group["scores"][trial_id] = _score(result, self.metric, error)
        group["pruned"] = group["pruned"] or pruned
        if len(group["scores"]) < self.repeat:
            return
        told = [s for s in group["scores"].values() if s is not None]
        if not told:
            self.searcher.on_trial_complete(group["primary"], None, error=True, pruned=group["pruned"])
            return
        summary = {name: _nanmean([s[name] for s in told]) for name in told[0]}
        self.searcher.on_trial_complete(group["primary"], summary, pruned=group["pruned"])


def _metrics(metric: str | list[str] | None) -> list[str]:
    return [] if metric is None else list(metric) if isinstance(metric, (list, tuple)) else [metric]


def _nanmean(values: list[float]) -> float:
    clean = [v for v in values if not math.isnan(v)]
    return sum(clean) / len(clean) if clean else math.nan


def _score(result: dict[str, Any] | None, metric: str | list[str] | None, error: bool) -> dict[str, float] | None:
    """The trial's metric value(s), or None when it failed or did not report them."""
    names = _metrics(metric)
    if error or not result or not names or any(name not in result for name in names):
        return None
    return {name: float(result[name]) for name in names}
