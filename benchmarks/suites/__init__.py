"""The suites `python -m benchmarks <suite>` runs: each is a module with `run(options) -> {name: path written}`."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from .common import Options

SUITES = ("searchers", "schedulers", "parallel", "overhead", "multiobjective", "multifidelity")


def get_suite(name: str) -> Callable[[Options], dict[str, Any]]:
    if name not in SUITES:
        raise ValueError(f"unknown suite {name!r}; choose from {', '.join(SUITES)} or 'all'")
    return importlib.import_module(f"{__name__}.{name}").run


__all__ = ["SUITES", "Options", "get_suite"]
