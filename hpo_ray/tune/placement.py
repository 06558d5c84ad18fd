"""`tune.with_resources` and `PlacementGroupFactory`: the resources each trial holds while it runs."""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hpo_core.errors import AsktellTypeError, AsktellValueError

STRATEGIES = ("PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD")


class PlacementGroupFactory:
    """A trial's resources as Ray placement-group bundles (`[{"CPU": 1}, {"CPU": 2}]`) and a strategy.

    asktell runs the trial in the first bundle. Several bundles (a trial that starts its own Ray workers in the
    others) are not supported yet and are refused where they enter.

    Args:
        bundles: a list of resource dicts; the first holds the trial.
        strategy: "PACK", "SPREAD", "STRICT_PACK" or "STRICT_SPREAD".

    Example:
        >>> PlacementGroupFactory([{"CPU": 2, "GPU": 0}]).head_bundle
        {'CPU': 2, 'GPU': 0}
    """

    def __init__(self, bundles: Sequence[Mapping[str, float]], strategy: str = "PACK", **_: Any):
        if isinstance(bundles, Mapping) or not isinstance(bundles, Sequence) or not bundles \
                or not all(isinstance(b, Mapping) for b in bundles):
            raise AsktellTypeError(f"`bundles` must be a non-empty list of resource dicts, but got {bundles!r}")
        if strategy not in STRATEGIES:
            raise AsktellValueError(f"`strategy` must be one of {STRATEGIES}, but got {strategy!r}")
        self.bundles = [dict(b) for b in bundles]
        self.strategy = strategy

    @property
    def head_bundle(self) -> dict[str, float]:
        return self.bundles[0]

    @property
    def required_resources(self) -> dict[str, float]:
        """The sum over the bundles."""
        total: dict[str, float] = {}
        for bundle in self.bundles:
            for key, value in bundle.items():
                total[key] = total.get(key, 0) + value
        return total

    def __repr__(self) -> str:
        return f"PlacementGroupFactory({self.bundles!r}, strategy={self.strategy!r})"


class _WithResources:
    """A trainable with the resources each of its trials holds (what `with_resources` returns)."""

    def __init__(self, trainable: Any, resources: dict[str, float]):
        self.trainable = trainable
        self.trial_resources = resources

    def __repr__(self) -> str:
        return f"with_resources({self.trainable!r}, {self.trial_resources!r})"


def with_resources(trainable: Any, resources: Mapping[str, float] | PlacementGroupFactory | Callable) -> Any:
    """`trainable` whose trials each hold `resources`: a dict (`{"cpu": 2, "gpu": 0.5}`) or a one-bundle
    `PlacementGroupFactory`. `Tuner` and `tune.run` read them as `resources_per_trial`.

    Example:
        >>> with_resources(print, {"cpu": 2}).trial_resources
        {'cpu': 2}
    """
    if isinstance(resources, PlacementGroupFactory):
        if len(resources.bundles) > 1:
            raise AsktellValueError(
                f"`resources={resources!r}`: asktell runs a trial in one bundle; several bundles (Ray workers a "
                "trial starts itself) are not supported yet"
            )
        resources = resources.head_bundle
    elif callable(resources):
        raise AsktellValueError(
            f"`resources={resources!r}`: resources that depend on the config are not supported (every trial of an "
            "experiment holds the same resources); give a dict"
        )
    if not isinstance(resources, Mapping):
        raise AsktellTypeError(f"`resources` must be a dict or a PlacementGroupFactory, but got {resources!r}")
    from hpo_ray.resources import TrialResources

    TrialResources.parse(resources)  # bad amounts fail here, where they enter
    return _WithResources(trainable, dict(resources))
