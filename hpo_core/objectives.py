"""Objectives: one metric or several, each with a mode. The checks that `Experiment`, searchers and schedulers share.

A single objective is `metric="loss", mode="min"`; several are lists of the same length,
`metric=["loss", "latency"], mode=["min", "min"]`. Only multi-objective searchers and schedulers accept several;
the others are refused with an error that names the alternatives.
"""
from __future__ import annotations

from typing import Any

from .errors import AsktellTypeError, AsktellValueError

VALID_MODES = ("min", "max")

MULTI_OBJECTIVE_SCHEDULERS = "MOASHAScheduler or MOHyperBandScheduler (hpo_core.schedulers)"
MULTI_OBJECTIVE_SEARCHERS = (
    "OptunaSearch (hpo_adapters.optuna, e.g. sampler='nsga2') or ScalarizedSearch(<searcher>) "
    "(hpo_core.searchers)"
)


def check_mode(mode: Any, parameter: str = "mode") -> None:
    """Raise unless `mode` is None, "min" or "max"."""
    if mode is not None and mode not in VALID_MODES:
        raise AsktellValueError(f"`{parameter}` must be 'min' or 'max', but got {mode!r}")


def check_modes(mode: Any, parameter: str = "mode") -> None:
    """Raise unless `mode` is None, "min", "max" or a list of them (a constructor's check: no metric needed)."""
    for one in as_list(mode):
        if one not in VALID_MODES:
            raise AsktellValueError(f"`{parameter}` must be 'min' or 'max' (or a list of them), but got {mode!r}")


def as_list(value: Any) -> list[Any]:
    """None -> [], a list or tuple -> a list, anything else -> [value]."""
    return [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]


def is_several(metric: Any) -> bool:
    """True for a list of more than one metric."""
    return isinstance(metric, (list, tuple)) and len(metric) > 1


def check_objectives(metric: Any, mode: Any) -> tuple[list[str], list[str]]:
    """Validate `metric`/`mode` (a name and a mode, or lists of them); returns both as lists.

    Example:
        >>> check_objectives(["loss", "size"], ["min", "min"])
        (['loss', 'size'], ['min', 'min'])
    """
    metrics, modes = as_list(metric), as_list(mode)
    for name in metrics:
        if not isinstance(name, str) or not name:
            raise AsktellTypeError(f"`metric` must be a non-empty string (or a list of them), but got {metric!r}")
    if len(set(metrics)) != len(metrics):
        raise AsktellValueError(f"`metric` names each objective once, but got {metric!r}")
    check_modes(mode)
    if metrics and modes and len(metrics) != len(modes):
        raise AsktellValueError(f"`metric` and `mode` must have the same length, but got {metric!r} and {mode!r}")
    if modes and not metrics:
        raise AsktellValueError(f"`mode={mode!r}` was given without a `metric`")
    return metrics, modes


def single_or_list(values: list[str]) -> str | list[str] | None:
    """The form searchers and schedulers are told: None, one name, or the list when there are several."""
    return None if not values else values[0] if len(values) == 1 else list(values)


def refuse_several(owner: Any, metric: Any, kind: str) -> None:
    """Raise when a single-objective `owner` (a searcher or scheduler) is handed several metrics."""
    if is_several(metric):
        alternatives = MULTI_OBJECTIVE_SCHEDULERS if kind == "scheduler" else MULTI_OBJECTIVE_SEARCHERS
        raise AsktellValueError(
            f"{type(owner).__name__} optimises one metric, but got metric={list(metric)!r}; for several "
            f"objectives use {alternatives}, or give it one metric of its own ({type(owner).__name__}(metric=...))"
        )
