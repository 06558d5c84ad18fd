"""Synthetic test functions with known minima (for simple regret), as search spaces over `x0 .. x{d-1}`.

```
from benchmarks.functions import FUNCTIONS
f = FUNCTIONS["branin"]
space = f.space()                        # {"x0": uniform(-5, 10), "x1": uniform(0, 15)}
f(config) - f.optimum                    # simple regret of one config
```
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hpo_core import uniform
from hpo_core.errors import AsktellValueError


@dataclass(frozen=True)
class TestFunction:
    """A function to minimise over a box, with its known minimum value `optimum` and a minimiser `argmin`."""

    __test__ = False  # not a pytest class

    name: str
    bounds: tuple[tuple[float, float], ...]
    optimum: float
    argmin: tuple[float, ...]
    fn: Callable[[np.ndarray], float]

    @property
    def dim(self) -> int:
        return len(self.bounds)

    def space(self) -> dict[str, Any]:
        """A search space with one `uniform` domain per coordinate, named `x0 .. x{d-1}`."""
        return {f"x{i}": uniform(lo, hi) for i, (lo, hi) in enumerate(self.bounds)}

    def vector(self, config: dict[str, Any]) -> np.ndarray:
        try:
            return np.array([float(config[f"x{i}"]) for i in range(self.dim)])
        except KeyError as missing:
            raise AsktellValueError(f"config for {self.name} lacks coordinate {missing}: got {config!r}") from None

    def __call__(self, config: dict[str, Any]) -> float:
        return float(self.fn(self.vector(config)))

    def regret(self, value: float) -> float:
        """Simple regret of a value found: how far above the known minimum it is."""
        return float(value) - self.optimum


def branin(x: np.ndarray) -> float:
    x1, x2 = x
    b, c = 5.1 / (4 * np.pi**2), 5 / np.pi
    r, s, t = 6.0, 10.0, 1 / (8 * np.pi)
    return (x2 - b * x1**2 + c * x1 - r) ** 2 + s * (1 - t) * np.cos(x1) + s


_H6_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H6_A = np.array([
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
])
_H6_P = 1e-4 * np.array([
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
])


def hartmann6(x: np.ndarray) -> float:
    inner = np.sum(_H6_A * (x[None, :] - _H6_P) ** 2, axis=1)
    return float(-np.sum(_H6_ALPHA * np.exp(-inner)))


def rosenbrock(x: np.ndarray) -> float:
    return float(np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def levy(x: np.ndarray) -> float:
    w = 1 + (x - 1) / 4
    head = np.sin(np.pi * w[0]) ** 2
    middle = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(np.pi * w[:-1] + 1) ** 2))
    tail = (w[-1] - 1) ** 2 * (1 + np.sin(2 * np.pi * w[-1]) ** 2)
    return float(head + middle + tail)


def ackley(x: np.ndarray) -> float:
    d = len(x)
    first = -20.0 * np.exp(-0.2 * np.sqrt(np.sum(x**2) / d))
    second = -np.exp(np.sum(np.cos(2 * np.pi * x)) / d)
    return float(first + second + 20.0 + np.e)


FUNCTIONS: dict[str, TestFunction] = {
    "branin": TestFunction("branin", ((-5.0, 10.0), (0.0, 15.0)), 0.397887357729738, (np.pi, 2.275), branin),
    "hartmann6": TestFunction(
        "hartmann6", ((0.0, 1.0),) * 6, -3.322368011391339,
        (0.20168952, 0.15001069, 0.47687398, 0.27533243, 0.31165162, 0.65730054), hartmann6,
    ),
    "rosenbrock10": TestFunction("rosenbrock10", ((-5.0, 10.0),) * 10, 0.0, (1.0,) * 10, rosenbrock),
    "levy10": TestFunction("levy10", ((-10.0, 10.0),) * 10, 0.0, (1.0,) * 10, levy),
    "ackley10": TestFunction("ackley10", ((-32.768, 32.768),) * 10, 0.0, (0.0,) * 10, ackley),
}
