"""`tune.with_resources` and `tune.PlacementGroupFactory`: the resources each trial holds while it runs."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hpo_core.errors import AsktellTypeError, AsktellValueError
from hpo_ray.resources import PlacementGroupFactory, TrialResources


class _WithResources:
    """A trainable with the resources each of its trials holds (what `with_resources` returns)."""

    def __init__(self, trainable: Any, resources: dict[str, float] | PlacementGroupFactory):
        self.trainable = trainable
        self.trial_resources = resources

    def __repr__(self) -> str:
        return f"with_resources({self.trainable!r}, {self.trial_resources!r})"


def with_resources(trainable: Any, resources: Mapping[str, float] | PlacementGroupFactory | Callable) -> Any:
    """`trainable` whose trials each hold `resources`: a dict (`{"cpu": 2, "gpu": 0.5}`) or a
    `PlacementGroupFactory` (each trial worker gets a real Ray placement group; the trial runs in the first bundle
    and the Ray tasks it starts go to the others). `Tuner` and `tune.run` read them as `resources_per_trial`.

    Example:
        >>> with_resources(print, {"cpu": 2}).trial_resources
        {'cpu': 2}
    """
    if callable(resources) and not isinstance(resources, (Mapping, PlacementGroupFactory)):
        raise AsktellValueError(
            f"`resources={resources!r}`: resources that depend on the config are not supported (every trial of an "
            "experiment holds the same resources); give a dict or a PlacementGroupFactory"
        )
    if not isinstance(resources, (Mapping, PlacementGroupFactory)):
        raise AsktellTypeError(f"`resources` must be a dict or a PlacementGroupFactory, but got {resources!r}")
    TrialResources.parse(resources)  # bad amounts fail here, where they enter
    return _WithResources(trainable, resources if isinstance(resources, PlacementGroupFactory) else dict(resources))
