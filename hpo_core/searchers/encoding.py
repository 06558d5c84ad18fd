"""`UnitEncoder`: a search space as points of the unit cube, for the model-based searchers.

Every searched parameter is one coordinate in [0, 1]:
* numeric domains (`uniform`, `loguniform`, `randint`, `qrandint`, `randn`, ...) through their own `to_unit` /
  `from_unit` (log scales and quantisation included; a decoded integer is snapped to the centre of its bin);
* a `choice` over numbers in ascending order is an ordinal: its categories are bins of the coordinate;
* any other `choice` (and `grid_search`) is categorical: `categories[k]` lists its size, so a model can use a
  categorical kernel or a one-hot code;
* a `choice` over sub-spaces (a conditional space) is a categorical whose branches hold further coordinates; a
  coordinate of an unchosen branch is *inactive* and set to 0.5 in the canonical point, so two configs that differ
  only there are the same point.
`sample_from` functions and constants are left to `Space.sample`, exactly as for random search.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..space import SEP, Categorical, Domain, Function, Grid, Space, iter_leaves

INACTIVE = 0.5


@dataclass
class _Coordinate:
    path: str  # the key `Space.sample(fixed=...)` takes
    domain: Domain
    categories: int = 0  # > 0: categorical with that many categories (unordered)
    ordinal: int = 0  # > 0: a choice over ascending numbers, as that many bins
    branches: list[list[int]] = field(default_factory=list)  # conditional: coordinates active under each category
    top: bool = True  # active whatever the other choices are

    def bins(self) -> int:
        return self.categories or self.ordinal


def _ascending_numbers(values: list[Any]) -> bool:
    numeric = all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values)
    return numeric and len(values) > 1 and all(a < b for a, b in itertools.pairwise(values))


class UnitEncoder:
    """Maps a `Space` to [0, 1]^dim and back; see the module docstring.

    Args:
        space: the experiment's search space.

    ```
    encoder = UnitEncoder(Space({"lr": loguniform(1e-4, 1e-1), "act": choice(["relu", "tanh"])}))
    point = encoder.canonical(np.random.default_rng(0).random(encoder.dim))
    config = encoder.config(point, np.random.default_rng(0))     # {"lr": ..., "act": ...}
    ```
    """

    def __init__(self, space: Space):
        self.space = space
        self.coordinates: list[_Coordinate] = []
        for path, domain in space.domains.items():
            self._add(path, domain, top=True)
        self.dim = len(self.coordinates)
        self.categories = np.array([c.categories for c in self.coordinates], dtype=int)
        self.bins = np.array([c.bins() for c in self.coordinates], dtype=int)
        self._roots = [i for i, c in enumerate(self.coordinates) if c.top]

    def _add(self, path: str, domain: Domain, *, top: bool) -> int | None:
        if isinstance(domain, Function):
            return None
        index = len(self.coordinates)
        if isinstance(domain, Categorical) and domain.is_conditional:
            coordinate = _Coordinate(path, domain, categories=len(domain.categories), top=top)
            self.coordinates.append(coordinate)
            for k, category in enumerate(domain.categories):
                inner = []
                for sub_path, leaf in iter_leaves(category, f"{path}{SEP}{k}"):
                    if isinstance(leaf, Domain):
                        added = self._add(sub_path, leaf, top=False)
                        if added is not None:
                            inner.append(added)
                coordinate.branches.append(inner)
            return index
        if isinstance(domain, (Categorical, Grid)):
            values = domain.categories if isinstance(domain, Categorical) else domain.values
            ordinal = _ascending_numbers(values)
            self.coordinates.append(_Coordinate(path, domain, categories=0 if ordinal else len(values),
                                                ordinal=len(values) if ordinal else 0, top=top))
            return index
        self.coordinates.append(_Coordinate(path, domain, top=top))
        return index

    # --- unit points ------------------------------------------------------------------------------------------
    def active(self, point: np.ndarray) -> np.ndarray:
        """A boolean mask of the coordinates that the point's choices make active."""
        mask = np.zeros(self.dim, dtype=bool)
        stack = list(self._roots)
        while stack:
            i = stack.pop()
            mask[i] = True
            coordinate = self.coordinates[i]
            if coordinate.branches:
                stack.extend(coordinate.branches[self._bin(i, point[i])])
        return mask

    def canonical(self, point: np.ndarray) -> np.ndarray:
        """The point clipped to the cube, snapped to what it decodes to, inactive coordinates at 0.5."""
        point = np.clip(np.asarray(point, dtype=float), 0.0, 1.0)
        out = np.full(self.dim, INACTIVE)
        for i in np.flatnonzero(self.active(point)):
            coordinate = self.coordinates[i]
            bins = coordinate.bins()
            if bins:
                out[i] = (self._bin(i, point[i]) + 0.5) / bins
            else:
                out[i] = coordinate.domain.to_unit(coordinate.domain.from_unit(float(point[i])))
        return out

    def fixed(self, point: np.ndarray) -> dict[str, Any]:
        """The `Space.sample(fixed=...)` pins of a point: a value per active coordinate (a choice's index for a
        conditional choice)."""
        pins: dict[str, Any] = {}
        for i in np.flatnonzero(self.active(point)):
            coordinate = self.coordinates[i]
            if coordinate.branches:
                pins[coordinate.path] = self._bin(i, point[i])
            elif coordinate.bins():
                values = (coordinate.domain.categories if isinstance(coordinate.domain, Categorical)
                          else coordinate.domain.values)
                pins[coordinate.path] = values[self._bin(i, point[i])]
            else:
                pins[coordinate.path] = coordinate.domain.from_unit(float(point[i]))
        return pins

    def config(self, point: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
        """The resolved config of a point (constants and `sample_from` filled in by the space)."""
        return self.space.sample(rng, fixed=self.fixed(point))

    def random(self, rng: np.random.Generator, n: int = 1) -> np.ndarray:
        """`n` canonical points drawn as random search draws configs (uniform on the unit scale)."""
        return np.array([self.canonical(row) for row in rng.random((n, self.dim))]).reshape(n, self.dim)

    def _bin(self, i: int, u: float) -> int:
        bins = self.coordinates[i].bins()
        return min(int(u * bins), bins - 1)

    def one_hot(self, points: np.ndarray) -> np.ndarray:
        """Points with each categorical coordinate replaced by a one-hot block (for a Gaussian-process kernel)."""
        points = np.atleast_2d(points)
        blocks = []
        for i, size in enumerate(self.categories):
            if size:
                index = np.minimum((points[:, i] * size).astype(int), size - 1)
                blocks.append(np.eye(size)[index])
            else:
                blocks.append(points[:, i : i + 1])
        return np.hstack(blocks) if blocks else np.zeros((len(points), 0))
