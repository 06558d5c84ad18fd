"""`TrialResources`: a trial's `{"cpu", "gpu", "memory", <custom>}` request, checked and turned into Ray options."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hpo_core.errors import AsktellTypeError, AsktellValueError

_EPS = 1e-9
# Ray's own names for the built-in resources, by the names users write
_BUILTIN = {"cpu": "CPU", "gpu": "GPU", "memory": "memory"}
_RESERVED = {"CPU", "GPU", "memory", "object_store_memory"}


def _check_amount(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise AsktellValueError(f"resources_per_trial[{key!r}] must be a number >= 0, but got {value!r}")
    if key != "memory" and value > 1 and abs(value - round(value)) > _EPS:
        raise AsktellValueError(
            f"resources_per_trial[{key!r}] = {value!r}: amounts above 1 must be whole numbers "
            f"(fractions share one unit: use e.g. 0.5 or 2)"
        )
    return float(value)


STRATEGIES = ("PACK", "SPREAD", "STRICT_PACK", "STRICT_SPREAD")


class PlacementGroupFactory:
    """A trial's resources as Ray placement-group bundles (`[{"CPU": 1}, {"CPU": 2}]`) and a strategy.

    Each trial worker gets its own Ray placement group: the trial runs in the first bundle, and the Ray tasks and
    actors it starts itself are placed in the group (so the other bundles are reserved for them).

    Args:
        bundles: a list of resource dicts; the first holds the trial.
        strategy: "PACK", "SPREAD", "STRICT_PACK" or "STRICT_SPREAD".

    Example:
        >>> PlacementGroupFactory([{"CPU": 1}, {"CPU": 2}]).required_resources
        {'CPU': 3}
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


@dataclass(frozen=True)
class TrialResources:
    """What one trial holds while it runs, in Ray's names (`CPU`, `GPU`, `memory` in bytes, custom names).

    With placement-group `bundles` (from a `PlacementGroupFactory`), `amounts` is their sum and the trial itself
    runs in the first bundle.
    """

    amounts: dict[str, float] = field(default_factory=lambda: {"CPU": 1.0})
    bundles: tuple[dict[str, float], ...] = ()
    strategy: str = "PACK"

    @classmethod
    def parse(cls, resources: Mapping[str, Any] | PlacementGroupFactory | None) -> TrialResources:
        """`{"cpu": 2, "gpu": 0.5, "memory": 2**30, "TPU": 1}` (cpu/gpu/memory in any case); a missing "cpu"
        is 1 (say `"cpu": 0` to ask for none); None means one CPU; a `PlacementGroupFactory` gives bundles."""
        if resources is None:
            return cls()
        if isinstance(resources, PlacementGroupFactory):
            bundles = tuple(cls._amounts(bundle, default_cpu=False) for bundle in resources.bundles)
            if not all(any(v > 0 for v in bundle.values()) for bundle in bundles):
                raise AsktellValueError(f"every bundle of {resources!r} must ask for some resource")
            total: dict[str, float] = {}
            for bundle in bundles:
                for key, value in bundle.items():
                    total[key] = total.get(key, 0.0) + value
            total.setdefault("CPU", 0.0)
            return cls(total, bundles, resources.strategy)
        return cls(cls._amounts(resources))

    @staticmethod
    def _amounts(resources: Any, *, default_cpu: bool = True) -> dict[str, float]:
        if not isinstance(resources, Mapping):
            raise AsktellTypeError(
                f"`resources_per_trial` must be a dict like {{'cpu': 1, 'gpu': 0.5}}, but got {resources!r}"
            )
        amounts: dict[str, float] = {}
        for key, value in resources.items():
            if not isinstance(key, str) or not key:
                raise AsktellTypeError(f"resources_per_trial keys must be non-empty strings, but got {key!r}")
            name = _BUILTIN.get(key.lower(), key)
            if name in amounts:
                raise AsktellValueError(f"resources_per_trial names {name!r} twice: {dict(resources)!r}")
            if name == "object_store_memory" or name.startswith("node:"):
                raise AsktellValueError(f"resources_per_trial cannot request {key!r}")
            amounts[name] = _check_amount(key, value)
        if default_cpu:
            amounts.setdefault("CPU", 1.0)
        return amounts

    def actor_options(self) -> dict[str, Any]:
        """Keyword options for `ActorClass.options(...)` (the first bundle's, with placement-group bundles)."""
        amounts = self.bundles[0] if self.bundles else self.amounts
        options: dict[str, Any] = {"num_cpus": amounts.get("CPU", 0.0)}
        if amounts.get("GPU"):
            options["num_gpus"] = amounts["GPU"]
        if amounts.get("memory"):
            options["memory"] = int(amounts["memory"])
        custom = {k: v for k, v in amounts.items() if k not in _RESERVED and v > 0}
        if custom:
            options["resources"] = custom
        return options

    def placement_group(self) -> Any:
        """A new Ray placement group of the bundles (None without bundles), and the options that put an actor in
        its first bundle with the tasks it starts captured into the group."""
        if not self.bundles:
            return None, {}
        from ray.util.placement_group import placement_group
        from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

        group = placement_group([{k: v for k, v in b.items() if v > 0} for b in self.bundles], strategy=self.strategy)
        strategy = PlacementGroupSchedulingStrategy(group, placement_group_bundle_index=0,
                                                    placement_group_capture_child_tasks=True)
        return group, {"scheduling_strategy": strategy}

    def per_node(self, node_total: Mapping[str, float]) -> float:
        """How many such trials fit on a node with `node_total` resources (inf when nothing is requested)."""
        fits = math.inf
        for key, need in self.amounts.items():
            if need > 0:
                fits = min(fits, math.floor(node_total.get(key, 0.0) / need + _EPS))
        return fits

    def capacity(self, nodes: Iterable[Mapping[str, float]]) -> float:
        """How many trials fit at once on these nodes (sum over nodes; inf when nothing is requested)."""
        return sum((self.per_node(node) for node in nodes), 0.0)

    def check_feasible(self, nodes: list[Mapping[str, float]], waited_s: float | None = None) -> None:
        """Raise `AsktellValueError` when no node could ever run one trial (`waited_s`: for how long the cluster
        has lacked such a node after losing the ones it had)."""
        if any(self.per_node(node) >= 1 for node in nodes):
            return
        shown = [
            {k: v for k, v in node.items() if not k.startswith("node:") and k != "object_store_memory"}
            for node in nodes
        ]
        if waited_s is None:
            outcome = "so no trial could ever start"
        else:
            outcome = (f"and has not for {waited_s:.0f} s (the cluster lost the nodes that could), so the waiting "
                       "trials cannot start")
        raise AsktellValueError(
            f"resources_per_trial={self.describe()} fits on no node of the Ray cluster, {outcome}; the nodes have "
            f"{shown}. Ask for less, or add a node that has it."
        )

    def describe(self) -> dict[str, float]:
        """The request in the names users write."""
        back = {v: k for k, v in _BUILTIN.items()}
        return {back.get(k, k): (int(v) if v == int(v) else v) for k, v in self.amounts.items()}
