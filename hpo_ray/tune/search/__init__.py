"""`ray.tune.search` → asktell's searchers; library searchers load lazily from `hpo_adapters`."""
from __future__ import annotations

import importlib
from typing import Any

from hpo_core.searchers import BasicVariantGenerator, Searcher

_ADAPTERS = {
    "BayesOptSearch": "hpo_adapters.bayesopt",
    "HyperOptSearch": "hpo_adapters.hyperopt",
    "OptunaSearch": "hpo_adapters.optuna",
    "ConcurrencyLimiter": "hpo_core.searchers",
    "Repeater": "hpo_core.searchers",
    "TuneBOHB": "hpo_ray.tune.search.bohb",
}
_SUBMODULES = ("bayesopt", "bohb", "hyperopt", "optuna", "basic_variant")


def __getattr__(name: str) -> Any:
    if name in _ADAPTERS:
        return getattr(importlib.import_module(_ADAPTERS[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BasicVariantGenerator", "BayesOptSearch", "ConcurrencyLimiter", "HyperOptSearch", "OptunaSearch", "Repeater",
           "Searcher", "TuneBOHB"]
