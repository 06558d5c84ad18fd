"""`ray.tune.stopper` → `hpo_core.stoppers`."""
from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__"):  # never forward module machinery (`__path__`, `__spec__`, ...)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module("hpo_core.stoppers"), name)
