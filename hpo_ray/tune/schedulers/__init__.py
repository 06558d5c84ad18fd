"""`ray.tune.schedulers` → asktell's schedulers (`hpo_core.schedulers`): every name there, looked up on use.

Ray Tune's submodule paths (`ray.tune.schedulers.pb2`, `.pbt`, `.async_hyperband`, `.hyperband`,
`.median_stopping_rule`, `.trial_scheduler`) are small modules here that import from `hpo_core.schedulers`.
"""
from __future__ import annotations

import importlib
from typing import Any

_ALIASES = {"ASHAScheduler": "AsyncHyperBandScheduler", "HyperBandForBOHB": "HyperBandScheduler"}


def __getattr__(name: str) -> Any:
    if name.startswith("__"):  # never forward module machinery (`__path__`, `__spec__`, ...)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    schedulers = importlib.import_module("hpo_core.schedulers")
    try:
        return getattr(schedulers, name)
    except AttributeError:
        if name in _ALIASES:
            return getattr(schedulers, _ALIASES[name])
        raise AttributeError(f"module {__name__!r} has no attribute {name!r} (asktell's schedulers: "
                             f"{[n for n in dir(schedulers) if n.endswith(('Scheduler', 'Rule', 'Training', 'PB2'))]})"
                             ) from None


def __dir__() -> list[str]:
    return sorted(set(dir(importlib.import_module("hpo_core.schedulers"))) | set(_ALIASES))
