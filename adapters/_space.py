"""The search space as the adapters see it: a tree of `Param`s, one per domain the library searches.

Every adapter converts `Space.domains` with `convert_space` (which refuses what no library adapter can search),
asks its library for a value per *active* parameter, and hands `Space.sample(rng, fixed=...)` the result, so
constants and `sample_from` are filled in by the core exactly as for random search.

Values move through three forms:
* the library's value (e.g. optuna's `u` for a normal, bayes_opt's `log(x)` for a log-uniform);
* the *canonical* value, the same for all adapters: the number itself for numeric domains, the category index
  for `choice`;
* the *fixed* value that `Space.sample` takes: the number snapped onto its domain (bounds, q, integer), the
  category itself, or, for a choice over sub-spaces, the category index.
"""
from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from hpo_core.errors import AsktellValueError
from hpo_core.space import (
    SEP,
    Categorical,
    Domain,
    Float,
    Function,
    Grid,
    Integer,
    Normal,
    Space,
    iter_leaves,
)


class ParamKind(enum.Enum):
    FLOAT = "float"
    INT = "int"
    NORMAL = "normal"
    CHOICE = "choice"


@dataclass
class Param:
    """One searched parameter: its path (also its name in the library), domain, and for a choice over
    sub-spaces, the parameters active under each category (`branches[i]`)."""

    path: str
    domain: Domain
    kind: ParamKind
    branches: list[list[Param]] | None = None

    # numeric bounds (the domain's effective bounds, on its q grid); `step` is q, or 1 for integers
    low: float = 0.0
    high: float = 1.0
    log: bool = False
    step: float | None = None
    size: int = 0  # number of categories

    @property
    def conditional(self) -> bool:
        return self.branches is not None

    def fixed_value(self, canonical: Any) -> Any:
        """What `Space.sample(fixed=...)` takes for this parameter."""
        if self.kind is ParamKind.CHOICE:
            index = int(canonical)
            return index if self.conditional else self.domain.categories[index]
        return snap(self, canonical)


def _round_q(value: float, q: float) -> float:
    """The multiple of q nearest to value, without binary noise for a decimal q (0.1 * 3 gives 0.3)."""
    steps = round(value / q)
    decimals = -Decimal(repr(float(q))).as_tuple().exponent
    return float(round(steps * q, decimals)) if decimals > 0 else float(steps * q)


def snap(param: Param, value: Any) -> Any:
    """A library's number moved onto the domain: clipped to the bounds, rounded to q, made an int."""
    value = float(value)
    if param.kind is ParamKind.NORMAL:
        q = param.domain.q
        return _round_q(value, q) if q is not None else value
    value = min(max(value, param.low), param.high)
    if param.kind is ParamKind.INT:
        step = int(param.step or 1)
        return int(param.low) + round((value - param.low) / step) * step
    if param.step is not None:
        value = min(max(_round_q(value, param.step), param.low), param.high)
    return value


def _make_param(path: str, domain: Domain, branches: list[list[Param]] | None) -> Param:
    if isinstance(domain, Float):
        low, high = domain.from_unit(0.0), domain.from_unit(1.0)
        return Param(path, domain, ParamKind.FLOAT, low=low, high=high, log=domain.log, step=domain.q)
    if isinstance(domain, Integer):
        low, high = domain.from_unit(0.0), domain.from_unit(1.0)
        return Param(path, domain, ParamKind.INT, low=low, high=high, log=domain.log, step=domain.q or 1)
    if isinstance(domain, Normal):
        return Param(path, domain, ParamKind.NORMAL, step=domain.q)
    return Param(path, domain, ParamKind.CHOICE, branches=branches, size=len(domain.categories))


def convert_space(
    space: Space, searcher: str, library: str, *, conditional: bool, sample_from: bool
) -> list[Param]:
    """The space's searched parameters as a tree; refuses, naming the parameter, what `library` cannot search.

    `conditional`: whether a choice over sub-spaces is allowed; `sample_from`: whether a `sample_from` is left to
    the core (its value is computed from the others and the library never sees it).
    """

    def refuse(path: str, what: str, instead: str) -> AsktellValueError:
        return AsktellValueError(f"{searcher}: parameter {path!r} is {what}, which {library} cannot search; {instead}")

    def walk(leaves: list[tuple[str, Any]]) -> list[Param]:
        params = []
        for path, leaf in leaves:
            if not isinstance(leaf, Domain):
                continue
            if isinstance(leaf, Grid):
                raise refuse(path, f"a grid_search over {leaf.values!r}",
                             f"use choice({leaf.values!r}) instead, or BasicVariantGenerator to run the grid")
            if isinstance(leaf, Function):
                if sample_from:
                    continue
                raise refuse(path, f"a sample_from ({leaf!r})",
                             "compute the value inside the trainable from the other config values, or use "
                             "OptunaSearch (which leaves sample_from to asktell)")
            if not isinstance(leaf, (Float, Integer, Normal, Categorical)):
                raise refuse(path, f"a {type(leaf).__name__}", "use a primitive from hpo_core (uniform, choice, ...)")
            branches = None
            if isinstance(leaf, Categorical) and leaf.is_conditional:  # categories that are dicts/lists
                branches = [walk(list(iter_leaves(category, f"{path}{SEP}{i}")))
                            for i, category in enumerate(leaf.categories)]
                if any(branches) and not conditional:
                    raise refuse(path, "a choice over sub-spaces (a conditional space)",
                                 "use OptunaSearch or HyperOptSearch, or flatten the choice into plain parameters")
            params.append(_make_param(path, leaf, branches))
        return params

    return walk(list(space.domains.items()))


def all_params(params: list[Param]) -> list[Param]:
    """Every parameter of the tree, parents before their children."""
    out = []
    for param in params:
        out.append(param)
        for branch in param.branches or []:
            out.extend(all_params(branch))
    return out


def walk_active(params: list[Param], pick: Callable[[Param], Any]) -> dict[str, Any]:
    """Canonical values of the active parameters: `pick(param)` gives each one's, a choice's index decides
    which branch is visited next (define-by-run order: parents first)."""
    values: dict[str, Any] = {}

    def visit(level: list[Param]) -> None:
        for param in level:
            value = pick(param)
            values[param.path] = value
            if param.conditional:
                visit(param.branches[int(value)])

    visit(params)
    return values


def to_fixed(index: dict[str, Param], canonical: dict[str, Any]) -> dict[str, Any]:
    """The `fixed` mapping for `Space.sample` from canonical values of the active parameters (`index`: path ->
    Param over the whole tree)."""
    return {path: index[path].fixed_value(value) for path, value in canonical.items()}


def sample_canonical(param: Param, rng: np.random.Generator) -> Any:
    """A random canonical value for one parameter (fills the gaps of a partial `points_to_evaluate` entry)."""
    if param.kind is ParamKind.CHOICE:
        return int(rng.integers(param.size))
    return param.domain.sample(rng)


# --- points_to_evaluate --------------------------------------------------------------------------------------
_MISSING = object()


def _lookup(point: Any, path: str) -> Any:
    """The value at `path` in a user's nested point (or under the flat key `path`)."""
    if isinstance(point, dict) and path in point:
        return point[path]
    node = point
    for key in path.split(SEP):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, (list, tuple)) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return _MISSING
    return node


def _matches(category: Any, value: Any) -> bool:
    """Whether a user's value fits a category of a choice over sub-spaces (constants equal, domains contain)."""
    if isinstance(category, Categorical):
        return any(_matches(c, value) for c in category.categories)
    if isinstance(category, Domain):
        return isinstance(category, Function) or category.contains(value)
    if isinstance(category, dict):
        return isinstance(value, dict) and all(
            k in value and _matches(v, value[k]) for k, v in category.items()
        )
    if isinstance(category, (list, tuple)):
        return isinstance(value, (list, tuple)) and len(value) == len(category) and all(
            _matches(c, v) for c, v in zip(category, value)
        )
    return category == value


def encode_point(params: list[Param], point: dict[str, Any], where: str) -> dict[str, Any]:
    """Canonical values for one `points_to_evaluate` entry; missing parameters are left out (the adapter fills
    them); a value outside its domain raises, naming `where` and the parameter."""
    values: dict[str, Any] = {}

    def visit(level: list[Param], root: Any, prefix: str) -> None:
        for param in level:
            value = _lookup(root, param.path[len(prefix):] if prefix else param.path)
            if value is _MISSING:
                continue
            domain = param.domain
            if param.kind is ParamKind.CHOICE:
                if param.conditional:
                    index = next((i for i, c in enumerate(domain.categories) if _matches(c, value)), None)
                else:
                    index = next((i for i, c in enumerate(domain.categories) if c is value or c == value), None)
                if index is None:
                    raise AsktellValueError(
                        f"{where}: {param.path!r}={value!r} is not one of the choices {domain.categories!r}"
                    )
                values[param.path] = index
                if param.conditional:
                    visit(param.branches[index], value, f"{param.path}{SEP}{index}{SEP}")
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(value) or not domain.contains(value):
                raise AsktellValueError(f"{where}: {param.path!r}={value!r} lies outside its domain {domain!r}")
            values[param.path] = value

    visit(params, point, "")
    return values


def complete_point(params: list[Param], canonical: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """`canonical` with every active parameter it lacks drawn at random (for libraries that need full points)."""
    return walk_active(params, lambda p: canonical[p.path] if p.path in canonical else sample_canonical(p, rng))
