"""One-shot trainables (they return their metrics and never call `report()` before that) run as plain Ray tasks:
no actor to start, workers are pooled and stay warm, one round trip per trial.

`looks_one_shot(trainable)` guesses from the code whether a trainable calls `report`; a guess that proves wrong
costs little: the task gives the trial back at its first early report (`run_one_shot` returns None), and the
executor runs it again in an actor, where reports stream and decisions reach it.
"""
from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Callable
from typing import Any

import cloudpickle

from hpo_core.executors.process import _raiser
from hpo_core.executors.worker import run_trial
from hpo_core.suggestion import Suggestion

from .checkpoint import decode, encode
from .runner import Batch, where

_NAMES = frozenset({"report"})
_loaded: dict[str, Callable] = {}  # per worker process: trainables by the id of their object


def looks_one_shot(trainable: Any) -> bool:
    """True when no code of `trainable` (its function, the function it wraps, its `__call__`) names `report`."""
    if getattr(trainable, "trainable_class", None) is not None:  # hpo_core.trainables.as_function
        return False
    seen = 0
    target = trainable
    while seen < 8:
        seen += 1
        inner = getattr(target, "func", None) or getattr(target, "fn", None) or getattr(target, "__wrapped__", None)
        code = getattr(target, "__code__", None)
        if code is None and not isinstance(target, (types.FunctionType, functools.partial)):
            code = getattr(type(target).__dict__.get("__call__"), "__code__", None)
        if code is not None and _names_report(code):
            return False
        if inner is None or inner is target:
            return code is not None
        target = inner
    return False


def _names_report(code: types.CodeType) -> bool:
    if _NAMES.intersection(code.co_names):
        return True
    return any(isinstance(const, types.CodeType) and _names_report(const) for const in code.co_consts)


class _ReportsEarly(BaseException):
    """Raised in a task at a report made before the trainable returned: the trial needs an actor."""


def _trainable(box: list) -> Callable:
    import ray

    key = box[0].hex()
    function = _loaded.get(key)
    if function is None:
        try:
            function = cloudpickle.loads(ray.get(box[0]))
        except Exception as exc:  # noqa: BLE001 - e.g. a module the trainable needs is missing on this node
            function = _raiser(exc)
        if len(_loaded) >= 8:
            _loaded.clear()
        _loaded[key] = function
    return function


def run_one_shot(box: list, suggestion: Suggestion, checkpoint: bytes | None) -> tuple[Batch | None, str]:
    """The Ray task: run the trial to its end; None instead of a batch when it reported before returning.

    `box` holds the ObjectRef of the pickled trainable (boxed so Ray passes the ref, and each worker unpickles a
    trainable once).
    """
    trainable = _trainable(box)
    state = {"returned": False, "early": False}
    reports: list = []

    def body(config: dict[str, Any]) -> Any:
        value = trainable(config)
        state["returned"] = True
        return value

    def send(metrics: dict[str, Any], reported: Any) -> None:
        if not state["returned"]:
            state["early"] = True
            raise _ReportsEarly()
        reports.append((metrics, None if reported is None else encode(reported)))

    restored = dataclasses.replace(suggestion, checkpoint=decode(checkpoint))
    try:
        outcome = run_trial(body, restored, send)
    except _ReportsEarly:
        return None, where()
    if state["early"]:  # the trainable swallowed _ReportsEarly
        return None, where()
    return (reports, outcome), where()
