"""`ray.tune.logger` → asktell's loggers: `pretty_print(result)` renders a result dict as indented YAML-like text."""
from __future__ import annotations

import importlib
from typing import Any

_HOMES = ("hpo_core.loggers", "hpo_core.callbacks")


def __getattr__(name: str) -> Any:
    for home in _HOMES:
        try:
            module = importlib.import_module(home)
        except ImportError:
            continue
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r} (looked in {_HOMES})")
