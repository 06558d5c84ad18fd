"""Multi-objective problems with known Pareto fronts (ZDT1/2/3, DTLZ2) and a real multi-fidelity one (the MLP
learning-curve table: validation error against the cost of an epoch).

Each has `metrics`, `modes`, a `reference` point (in the metrics' own units) and `true_hypervolume`: the volume of
its whole front against that reference, so a run scores as the share of it reached.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from functools import cached_property
from typing import Any

import numpy as np

from hpo_core import uniform
from hpo_core.pareto import hypervolume, to_minimise

from .base import SingleFidelityProblem
from .curves import LearningCurveProblem
from .synthetic_curves import SyntheticCurvesProblem

FRONT_POINTS = 100_001  # a dense sample of a front: its hypervolume falls short of the exact one by ~1e-5


class MultiObjectiveMixin:
    """What a multi-objective problem adds: its objectives and how to score a set of points."""

    metrics: tuple[str, ...]
    modes: tuple[str, ...]
    reference: tuple[float, ...]

    @property
    def metric(self) -> str:  # the first objective, for code that wants one name
        return self.metrics[0]

    @property
    def mode(self) -> str:
        return self.modes[0]

    def hypervolume(self, points: Any) -> float:
        """The hypervolume of `points` (rows of metric values, in the metrics' units) against `reference`."""
        if len(points) == 0:
            return 0.0
        return hypervolume(to_minimise(points, self.modes), to_minimise([self.reference], self.modes)[0])

    @cached_property
    def true_hypervolume(self) -> float:
        return self.hypervolume(self.true_front())

    def true_front(self) -> np.ndarray:
        raise NotImplementedError


class ZDT(MultiObjectiveMixin, SingleFidelityProblem):
    """ZDT1/2/3 (Zitzler, Deb, Thiele 2000) in `dim` = 30 variables in [0, 1]: f1 = x1,
    f2 = g·h(f1, g) with g = 1 + 9·mean(x2..xn). The front is g = 1: h = 1 − √f1 (ZDT1, convex), 1 − f1² (ZDT2,
    concave), 1 − √f1 − f1·sin(10π·f1) (ZDT3, five disconnected pieces). Reference point (1.1, 1.1)."""

    metrics = ("f1", "f2")
    modes = ("min", "min")
    reference = (1.1, 1.1)

    def __init__(self, variant: int, dim: int = 30):
        self.variant, self.dim = variant, dim
        self.name = f"zdt{variant}"

    def space(self) -> dict[str, Any]:
        return {f"x{i}": uniform(0.0, 1.0) for i in range(self.dim)}

    def values(self, config: dict[str, Any]) -> dict[str, float]:
        f1 = float(config["x0"])
        g = 1.0 + 9.0 * sum(config[f"x{i}"] for i in range(1, self.dim)) / (self.dim - 1)
        return {"f1": f1, "f2": g * self._h(f1, g)}

    def _h(self, f1: float, g: float) -> float:
        ratio = f1 / g
        if self.variant == 1:
            return 1.0 - math.sqrt(ratio)
        if self.variant == 2:
            return 1.0 - ratio**2
        return 1.0 - math.sqrt(ratio) - ratio * math.sin(10 * math.pi * f1)

    @cached_property
    def true_hypervolume(self) -> float:
        """Exact for ZDT1/2 (∫ (1.1 − h) over [0, 1], plus the strip f1 in [1, 1.1]); ZDT3 from its sampled front."""
        strip = 0.1 * 1.1
        if self.variant == 1:
            return strip + 0.1 + 2 / 3
        if self.variant == 2:
            return strip + 0.1 + 1 / 3
        return self.hypervolume(self.true_front())

    def true_front(self) -> np.ndarray:
        f1 = np.linspace(0.0, 1.0, FRONT_POINTS)
        h = {1: 1 - np.sqrt(f1), 2: 1 - f1**2, 3: 1 - np.sqrt(f1) - f1 * np.sin(10 * np.pi * f1)}[self.variant]
        return np.column_stack([f1, h])  # (ZDT3: the dominated stretches add no volume)

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None) -> Iterable[tuple]:
        return [] if start_iteration >= 1 else [(self.duration(config), self.values(config))]


class DTLZ2(MultiObjectiveMixin, SingleFidelityProblem):
    """DTLZ2 (Deb et al. 2002) with 3 objectives and 12 variables in [0, 1]: the front is the unit sphere's
    positive octant (g = 0); reference point (1.1, 1.1, 1.1), true hypervolume 1.1³ − π/6."""

    name = "dtlz2"
    metrics = ("f1", "f2", "f3")
    modes = ("min", "min", "min")
    reference = (1.1, 1.1, 1.1)
    dim = 12

    def space(self) -> dict[str, Any]:
        return {f"x{i}": uniform(0.0, 1.0) for i in range(self.dim)}

    def values(self, config: dict[str, Any]) -> dict[str, float]:
        x = [float(config[f"x{i}"]) for i in range(self.dim)]
        g = sum((v - 0.5) ** 2 for v in x[2:])
        a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
        return {"f1": (1 + g) * math.cos(a) * math.cos(b), "f2": (1 + g) * math.cos(a) * math.sin(b),
                "f3": (1 + g) * math.sin(a)}

    @cached_property
    def true_hypervolume(self) -> float:
        return 1.1**3 - math.pi / 6  # the box minus the eighth of the unit ball

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None) -> Iterable[tuple]:
        return [] if start_iteration >= 1 else [(self.duration(config), self.values(config))]


class CostlyCurvesProblem(MultiObjectiveMixin, LearningCurveProblem):
    """The MLP-on-digits learning curves with two objectives: validation error (min) and the simulated seconds an
    epoch of the config takes (min: wide layers and small batches are slower). Every result — a model after some
    epochs — is a point; the true front is that of every (config, epoch) of the table. Reference: error 1.0 and
    1.1 × the slowest epoch."""

    name = "mlp-digits-cost"
    metrics = ("val_error", "epoch_seconds")
    modes = ("min", "min")

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.reference = (1.0, 1.1 * max(self._seconds))
        self.optimum = None

    def true_front(self) -> np.ndarray:
        errors = np.array(self._error)[:, : self.max_t]
        seconds = np.repeat(np.array(self._seconds)[:, None], errors.shape[1], axis=1)
        return np.column_stack([errors.ravel(), seconds.ravel()])

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None) -> Iterable[tuple]:
        for seconds, result in super().curve(config, start_iteration=start_iteration, state=state):
            yield seconds, {**result, "epoch_seconds": seconds}


class CostlySyntheticCurvesProblem(MultiObjectiveMixin, SyntheticCurvesProblem):
    """`curves-hard` (good configs rare, crossing curves) with two objectives: validation error and the simulated
    seconds of an epoch (1 + 4·x2: the most accurate configs have x2 between 0.1 and 0.5, the cheapest x2 = 0). The true front is the noise-free
    final error at the centre of the other variables, for each x2 (the curves' ±0.005 noise may lift a run's share a
    little above 1). Reference: error 1.0, 5.5 seconds."""

    name = "curves-hard-cost"
    metrics = ("val_error", "epoch_seconds")
    modes = ("min", "min")
    reference = (1.0, 5.5)

    def true_front(self) -> np.ndarray:
        x2 = np.linspace(0.0, 1.0, FRONT_POINTS)
        centre = {"x0": 0.7, "x1": 0.6, "x3": 0.5}
        errors = [self.final({**centre, "x2": float(v)}) for v in x2]
        return np.column_stack([errors, 1.0 + 4.0 * x2])

    def curve(self, config: dict[str, Any], *, start_iteration: int = 0, state: Any = None) -> Iterable[tuple]:
        for seconds, result in super().curve(config, start_iteration=start_iteration, state=state):
            yield seconds, {**result, "epoch_seconds": seconds}


PROBLEMS = {"zdt1": lambda: ZDT(1), "zdt2": lambda: ZDT(2), "zdt3": lambda: ZDT(3), "dtlz2": DTLZ2,
            "mlp-digits-cost": CostlyCurvesProblem, "curves-hard-cost": CostlySyntheticCurvesProblem}
