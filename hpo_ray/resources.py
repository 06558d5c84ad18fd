"""`TrialResources`: a trial's `{"cpu", "gpu", "memory", <custom>}` request, checked and turned into Ray options."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
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


@dataclass(frozen=True)
class TrialResources:
    """What one trial holds while it runs, in Ray's names (`CPU`, `GPU`, `memory` in bytes, custom names)."""

    amounts: dict[str, float] = field(default_factory=lambda: {"CPU": 1.0})

    @classmethod
    def parse(cls, resources: Mapping[str, Any] | None) -> TrialResources:
        """`{"cpu": 2, "gpu": 0.5, "memory": 2**30, "TPU": 1}` (cpu/gpu/memory in any case); a missing "cpu"
        is 1 (say `"cpu": 0` to ask for none); None means one CPU."""
        if resources is None:
            return cls()
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
        amounts.setdefault("CPU", 1.0)
        return cls(amounts)

    def actor_options(self) -> dict[str, Any]:
        """Keyword options for `ActorClass.options(...)`."""
        options: dict[str, Any] = {"num_cpus": self.amounts["CPU"]}
        if self.amounts.get("GPU"):
            options["num_gpus"] = self.amounts["GPU"]
        if self.amounts.get("memory"):
            options["memory"] = int(self.amounts["memory"])
        custom = {k: v for k, v in self.amounts.items() if k not in _RESERVED and v > 0}
        if custom:
            options["resources"] = custom
        return options

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
