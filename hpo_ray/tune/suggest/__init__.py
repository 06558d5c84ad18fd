"""`ray.tune.suggest` (Ray < 2.0 spelling of `ray.tune.search`), kept for the chapter's imports."""
from __future__ import annotations

from typing import Any

from .. import search as _search


def __getattr__(name: str) -> Any:
    import importlib

    if name in ("bayesopt", "hyperopt", "optuna"):
        return importlib.import_module(f"{__name__}.{name}")
    return getattr(_search, name)
