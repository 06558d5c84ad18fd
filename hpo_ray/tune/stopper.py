"""`ray.tune.stopper` → `hpo_core.stoppers`."""
from __future__ import annotations

import importlib
from typing import Any


def __getattr__(name: str) -> Any:
    return getattr(importlib.import_module("hpo_core.stoppers"), name)
