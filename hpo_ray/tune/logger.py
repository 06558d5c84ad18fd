"""`ray.tune.logger` → asktell's loggers: `pretty_print(result)` renders a result dict as indented YAML-like text;
`LoggerCallback` is the base of loggers with `log_trial_start`/`log_trial_result`/`log_trial_end` hooks."""
from __future__ import annotations

import importlib
from typing import Any

_HOMES = ("hpo_core.loggers", "hpo_core.loggers.logger_callback", "hpo_core.callbacks")


def __getattr__(name: str) -> Any:
    if name.startswith("__"):  # never forward module machinery (`__path__`, `__spec__`, ...)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    for home in _HOMES:
        try:
            module = importlib.import_module(home)
        except ImportError:
            continue
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r} (looked in {_HOMES})")
