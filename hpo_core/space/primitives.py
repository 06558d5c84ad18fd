"""The space primitives users type, with Ray Tune 2.60 semantics (names and bounds as in `ray.tune`)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .domains import Categorical, Float, Function, Grid, Integer, Normal


def uniform(lower: float, upper: float) -> Float:
    return Float(lower, upper, name="uniform")


def quniform(lower: float, upper: float, q: float) -> Float:
    return Float(lower, upper, q=q, name="quniform")


def loguniform(lower: float, upper: float, base: float = 10) -> Float:
    """Log-uniform on [lower, upper]; the distribution does not depend on `base` (accepted for compatibility)."""
    return Float(lower, upper, log=True, name="loguniform")


def qloguniform(lower: float, upper: float, q: float, base: float = 10) -> Float:
    return Float(lower, upper, log=True, q=q, name="qloguniform")


def randn(mean: float = 0.0, sd: float = 1.0) -> Normal:
    return Normal(mean, sd, name="randn")


def qrandn(mean: float, sd: float, q: float) -> Normal:
    return Normal(mean, sd, q=q, name="qrandn")


def randint(lower: int, upper: int) -> Integer:
    """An integer in [lower, upper): upper is exclusive."""
    return Integer(lower, upper, name="randint")


def qrandint(lower: int, upper: int, q: int = 1) -> Integer:
    """A multiple of q in [lower, upper]: upper is inclusive."""
    return Integer(lower, upper, q=q, name="qrandint")


def lograndint(lower: int, upper: int, base: float = 10) -> Integer:
    """A log-uniform integer in [lower, upper): upper is exclusive."""
    return Integer(lower, upper, log=True, name="lograndint")


def qlograndint(lower: int, upper: int, q: int, base: float = 10) -> Integer:
    """A log-uniform multiple of q in [lower, upper]: upper is inclusive."""
    return Integer(lower, upper, log=True, q=q, name="qlograndint")


def choice(categories: Sequence[Any]) -> Categorical:
    return Categorical(categories, name="choice")


def grid_search(values: Sequence[Any]) -> Grid:
    return Grid(values)


def sample_from(fn: Callable[[Any], Any]) -> Function:
    return Function(fn)
