"""Search-space primitives as small value objects: each validates itself, samples, checks membership and maps
to and from the unit interval (for adapters and Gaussian processes)."""
from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from statistics import NormalDist
from typing import Any

import numpy as np

from ..errors import AsktellTypeError, AsktellValueError


def _check_finite(kind: str, **bounds: float) -> None:
    for name, value in bounds.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise AsktellTypeError(f"{kind}: `{name}` must be a number, but got {value!r}")
        if not math.isfinite(value):
            raise AsktellValueError(f"{kind}: `{name}` must be finite, but got {value!r}")


def _check_order(kind: str, lower: float, upper: float, strict: bool = True) -> None:
    if lower > upper or (strict and lower == upper):
        rel = "<" if strict else "<="
        raise AsktellValueError(f"{kind}: `lower {rel} upper` must hold, but got (lower={lower}, upper={upper})")


def _check_q(kind: str, q: float | None) -> None:
    if q is None:
        return
    _check_finite(kind, q=q)
    if q <= 0:
        raise AsktellValueError(f"{kind}: `q` must be > 0, but got q={q}")


def _grid_bounds(kind: str, lower: float, upper: float, q: float) -> tuple[float, float]:
    """The first and last multiple of q inside [lower, upper]."""
    lo = math.ceil(lower / q - 1e-9) * q
    hi = math.floor(upper / q + 1e-9) * q
    if lo > hi + 1e-12:
        raise AsktellValueError(
            f"{kind}: no multiple of q={q} lies in [lower={lower}, upper={upper}]; put the bounds on the q grid"
        )
    return lo, hi


def _round_to(value: float, q: float) -> float:
    """The multiple of q nearest to value, without binary noise for a decimal q (0.1 * 3 gives 0.3)."""
    steps = round(value / q)
    decimals = -Decimal(repr(q)).as_tuple().exponent
    return float(round(steps * q, max(decimals, 0))) if decimals > 0 else float(steps * q)


class Domain:
    """A distribution over the values one hyperparameter can take."""

    kind = "domain"

    def sample(self, rng: np.random.Generator) -> Any:
        raise NotImplementedError

    def contains(self, value: Any) -> bool:
        raise NotImplementedError

    def to_unit(self, value: Any) -> float:
        """Map a value to [0, 1] (the inverse of `from_unit`)."""
        raise NotImplementedError

    def from_unit(self, u: float) -> Any:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self)))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class Float(Domain):
    """A real in [lower, upper], uniform or log-uniform, optionally rounded to multiples of q."""

    kind = "float"

    def __init__(self, lower: float, upper: float, *, log: bool = False, q: float | None = None, name: str = "uniform"):
        _check_finite(name, lower=lower, upper=upper)
        _check_order(name, lower, upper)
        if log and lower <= 0:
            raise AsktellValueError(f"{name}: a log domain needs `lower > 0`, but got lower={lower}")
        _check_q(name, q)
        self.lower, self.upper, self.log, self.q = float(lower), float(upper), bool(log), q
        self._lo, self._hi = (lower, upper) if q is None else _grid_bounds(name, lower, upper, q)

    def sample(self, rng: np.random.Generator) -> float:
        return self.from_unit(rng.random())

    def from_unit(self, u: float) -> float:
        lo, hi = self._lo, self._hi
        value = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))) if self.log else lo + u * (hi - lo)
        value = min(max(value, lo), hi)
        return _round_to(value, self.q) if self.q is not None else value

    def to_unit(self, value: float) -> float:
        lo, hi = self._lo, self._hi
        if hi == lo:
            return 0.5
        if self.log:
            return (math.log(value) - math.log(lo)) / (math.log(hi) - math.log(lo))
        return (value - lo) / (hi - lo)

    def contains(self, value: Any) -> bool:
        if not isinstance(value, (int, float)) or not self._lo - 1e-12 <= value <= self._hi + 1e-12:
            return False
        return self.q is None or abs(value / self.q - round(value / self.q)) < 1e-6


class Integer(Domain):
    """An integer in [lower, upper) (or [lower, upper] with q), uniform or log-uniform, optionally on multiples of q."""

    kind = "int"

    def __init__(self, lower: int, upper: int, *, log: bool = False, q: int | None = None, name: str = "randint"):
        _check_finite(name, lower=lower, upper=upper)
        for key, v in (("lower", lower), ("upper", upper)) + ((("q", q),) if q is not None else ()):
            if int(v) != v:
                raise AsktellValueError(f"{name}: `{key}` must be an integer, but got {v!r}")
        _check_q(name, q)
        if q is None:  # upper exclusive, as in Ray Tune's randint / lograndint
            _check_order(name, lower, upper)
            lo, hi = int(lower), int(upper) - 1
        else:  # upper inclusive for the quantized forms
            _check_order(name, lower, upper, strict=False)
            glo, ghi = _grid_bounds(name, lower, upper, q)
            lo, hi = round(glo), round(ghi)
        if log and lo <= 0:
            raise AsktellValueError(f"{name}: a log domain needs `lower > 0`, but got lower={lower}")
        self.lower, self.upper, self.log, self.q = int(lower), int(upper), bool(log), None if q is None else int(q)
        self._lo, self._hi = lo, hi

    @property
    def values_count(self) -> int:
        return (self._hi - self._lo) // (self.q or 1) + 1

    def sample(self, rng: np.random.Generator) -> int:
        if not self.log:
            return self._lo + int(rng.integers(self.values_count)) * (self.q or 1)
        return self.from_unit(rng.random())

    def from_unit(self, u: float) -> int:
        step = self.q or 1
        if self.log:
            lo, hi = math.log(self._lo), math.log(self._hi + step)  # cover the last step's width too
            value = math.exp(lo + u * (hi - lo))
            index = math.floor((value - self._lo) / step)
        else:
            index = math.floor(u * self.values_count)
        index = min(max(index, 0), self.values_count - 1)
        return self._lo + index * step

    def to_unit(self, value: int) -> float:
        step = self.q or 1
        if self.log:
            lo, hi = math.log(self._lo), math.log(self._hi + step)
            return (math.log(value + step / 2) - lo) / (hi - lo)
        return ((value - self._lo) / step + 0.5) / self.values_count

    def contains(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            return False
        return self._lo <= value <= self._hi and (value - self._lo) % (self.q or 1) == 0


class Normal(Domain):
    """A normal variable with `mean` and `sd`, optionally rounded to multiples of q."""

    kind = "normal"

    def __init__(self, mean: float = 0.0, sd: float = 1.0, *, q: float | None = None, name: str = "randn"):
        _check_finite(name, mean=mean, sd=sd)
        if sd <= 0:
            raise AsktellValueError(f"{name}: `sd` must be > 0, but got sd={sd}")
        _check_q(name, q)
        self.mean, self.sd, self.q = float(mean), float(sd), q

    def sample(self, rng: np.random.Generator) -> float:
        value = float(rng.normal(self.mean, self.sd))
        return _round_to(value, self.q) if self.q is not None else value

    def from_unit(self, u: float) -> float:
        value = NormalDist(self.mean, self.sd).inv_cdf(min(max(u, 1e-9), 1 - 1e-9))
        return _round_to(value, self.q) if self.q is not None else value

    def to_unit(self, value: float) -> float:
        return NormalDist(self.mean, self.sd).cdf(value)

    def contains(self, value: Any) -> bool:
        ok = isinstance(value, (int, float)) and math.isfinite(value)
        return ok and (self.q is None or abs(value / self.q - round(value / self.q)) < 1e-6)


class Categorical(Domain):
    """One of `categories`. A category that is a dict or list holding further domains makes a conditional space."""

    kind = "categorical"

    def __init__(self, categories: Sequence[Any], *, name: str = "choice"):
        if isinstance(categories, (str, bytes)) or not isinstance(categories, Sequence):
            raise AsktellTypeError(f"{name}: `categories` must be a list, but got {categories!r}")
        if len(categories) == 0:
            raise AsktellValueError(f"{name}: `categories` must not be empty, but got {list(categories)!r}")
        self.categories = list(categories)

    @property
    def is_conditional(self) -> bool:
        """True when some category is a dict/list (its values are chosen by index and resolved further)."""
        return any(isinstance(c, (dict, list)) for c in self.categories)

    def sample(self, rng: np.random.Generator) -> Any:
        return self.categories[int(rng.integers(len(self.categories)))]

    def from_unit(self, u: float) -> Any:
        return self.categories[min(int(u * len(self.categories)), len(self.categories) - 1)]

    def to_unit(self, value: Any) -> float:
        return (self.index(value) + 0.5) / len(self.categories)

    def index(self, value: Any) -> int:
        for i, category in enumerate(self.categories):
            if category is value or category == value:
                return i
        raise AsktellValueError(f"{value!r} is not one of the categories {self.categories!r}")

    def contains(self, value: Any) -> bool:
        return any(c is value or c == value for c in self.categories)


class Function(Domain):
    """`sample_from(fn)`: `fn(config)` computes the value from the rest of the config; a function of no
    arguments (`sample_from(lambda: 7)`) is called without it."""

    kind = "function"

    def __init__(self, fn: Callable[[Any], Any]):
        if not callable(fn):
            raise AsktellValueError(f"sample_from: `fn` must be callable, but got {fn!r}")
        self.fn = fn
        self.takes_config = _takes_an_argument(fn)

    def call(self, config: Any) -> Any:
        """The value for `config` (a view of the config being built, or None when there is none)."""
        return self.fn(config) if self.takes_config else self.fn()

    def __repr__(self) -> str:
        return f"Function({getattr(self.fn, '__qualname__', type(self.fn).__name__)})"

    def contains(self, value: Any) -> bool:
        return True


def _takes_an_argument(fn: Callable) -> bool:
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: assume Ray's one-argument form
        return True
    return any(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL) for p in parameters)


class Grid(Domain):
    """`grid_search(values)`: every value is tried, in a cartesian product with the other grid variables."""

    kind = "grid"

    def __init__(self, values: Sequence[Any]):
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise AsktellTypeError(f"grid_search: `values` must be a list, but got {values!r}")
        if len(values) == 0:
            raise AsktellValueError(f"grid_search: `values` must not be empty, but got {list(values)!r}")
        self.values = list(values)

    def contains(self, value: Any) -> bool:
        return any(v is value or v == value for v in self.values)
