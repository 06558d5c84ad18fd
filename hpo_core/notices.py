"""Warnings a `run()` gives once each, where a new user's mistake would otherwise pass in silence.

* A config value that is a plain list: every trial gets the whole list (did you mean `grid_search` or `choice`?).
* A trial that ended without ever reporting the metric (a trainable that returns nothing, a metric name typo when
  the metric was given only to the searcher): the first one is named, with the count at the end of the run.
"""
from __future__ import annotations

import logging
from typing import Any

from .analysis import last_value
from .callbacks import Callback
from .space.space import has_domain

logger = logging.getLogger("asktell")


def warn_plain_lists(config: dict[str, Any] | None) -> list[str]:
    """Warn once about the config's plain lists (lists holding no search domain); returns their paths."""
    paths = list(_plain_lists(config or {}, ""))
    if paths:
        shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
        logger.warning(
            "%s %s: every trial gets the whole list. To search over the values use grid_search([...]) (each value "
            "in turn) or choice([...]) (one sampled per trial).",
            shown, "is a plain list" if len(paths) == 1 else "are plain lists")
    return paths


def _plain_lists(spec: dict[str, Any], prefix: str):
    for key, value in spec.items():
        path = f"{prefix}[{key!r}]"
        if isinstance(value, dict):
            yield from _plain_lists(value, path)
        elif isinstance(value, list) and value and not has_domain(value):
            yield f"config{path}"


class MissingMetricNotice(Callback):
    """Warns at the first trial that ended without a result holding `metric`, and counts them for the end."""

    def __init__(self, metric: str | None):
        self.metric = metric
        self.missing: list[str] = []

    def on_trial_complete(self, iteration: int, trials: list, trial, **info: Any) -> None:
        if self.metric is None or last_value(trial, self.metric) is not None:
            return
        self.missing.append(str(trial))
        if len(self.missing) == 1:
            reported = sorted(k for k in trial.last_result if k != "config") if trial.results else []
            logger.warning(
                "trial %s ended without ever reporting the metric %r (%s); return a dict of metrics or call "
                "report(%s=...) in the trainable", trial, self.metric,
                f"its results hold {reported}" if reported else "it reported nothing", self.metric)

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        if len(self.missing) > 1:
            logger.warning("%d trials ended without reporting the metric %r", len(self.missing), self.metric)
