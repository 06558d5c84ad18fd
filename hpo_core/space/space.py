"""`Space`: a nested config of constants and domains, flattened to paths like "a/b/0", sampled and resolved."""
from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import AsktellTypeError, AsktellValueError
from .domains import Categorical, Domain, Function, Grid

SEP = "/"


def _normalise(spec: Any) -> Any:
    """Copy the nested structure, turning Ray's `{"grid_search": [...]}` into `Grid`."""
    if isinstance(spec, dict):
        if set(spec) == {"grid_search"}:
            return Grid(spec["grid_search"])
        for key in spec:
            if not isinstance(key, str):
                raise AsktellTypeError(f"config keys must be strings, but got {key!r}")
            if SEP in key:
                raise AsktellValueError(f"config key {key!r} must not contain {SEP!r} (used in parameter paths)")
        return {k: _normalise(v) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_normalise(v) for v in spec]
    if isinstance(spec, tuple):
        return tuple(_normalise(v) for v in spec)
    if isinstance(spec, Categorical):
        return Categorical([_normalise(c) for c in spec.categories])
    return spec


def iter_leaves(spec: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(path, leaf) for every leaf of a nested dict/list; domains are leaves (their insides are not entered)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            yield from iter_leaves(value, f"{prefix}{SEP}{key}" if prefix else str(key))
    elif isinstance(spec, (list, tuple)):
        for i, value in enumerate(spec):
            yield from iter_leaves(value, f"{prefix}{SEP}{i}" if prefix else str(i))
    else:
        yield prefix, spec


def has_domain(spec: Any) -> bool:
    return any(isinstance(leaf, Domain) for _, leaf in iter_leaves(spec))


def _set_path(config: Any, path: str, value: Any) -> None:
    if SEP not in path and type(config) is dict:
        config[path] = value
        return
    keys = path.split(SEP)
    node = config
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = keys[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def _is_conditional(domain: Domain) -> bool:
    return isinstance(domain, Categorical) and domain.is_conditional


def _skeleton(spec: Any) -> Any:
    """A mutable copy of the nested containers (tuples become lists), leaves as they are."""
    if isinstance(spec, dict):
        return {k: _skeleton(v) for k, v in spec.items()}
    if isinstance(spec, (list, tuple)):
        return [_skeleton(v) for v in spec]
    return spec


class _Unresolved(Exception):
    def __init__(self, path: str):
        self.path = path


class ConfigView:
    """What `sample_from(fn)` receives: `view["a"]`, `view.a`, and Ray's `spec.config.a` all read the config.

    Reading a value that is itself still waiting for its `sample_from` defers the function until it is known.
    """

    def __init__(self, node: Any, pending: set[str], path: str = ""):
        self._node, self._pending, self._path = node, pending, path

    def _child(self, key: Any) -> Any:
        node = self._node
        try:
            value = node[int(key)] if isinstance(node, list) else node[key]
        except (KeyError, IndexError, ValueError):
            raise KeyError(f"sample_from read {key!r}, which the config does not have (it has {self._keys()})") from None
        path = f"{self._path}{SEP}{key}" if self._path else str(key)
        if path in self._pending:
            raise _Unresolved(path)
        return ConfigView(value, self._pending, path) if isinstance(value, (dict, list)) else value

    def _keys(self) -> list:
        return list(self._node) if isinstance(self._node, dict) else list(range(len(self._node)))

    def __getitem__(self, key: Any) -> Any:
        return self._child(key)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "config" and not (isinstance(self._node, dict) and "config" in self._node):
            return self
        try:
            return self._child(name)
        except KeyError as exc:
            raise AttributeError(str(exc)) from None

    def __contains__(self, key: Any) -> bool:
        return key in self._node

    def get(self, key: Any, default: Any = None) -> Any:
        return self._child(key) if key in self._node else default

    def keys(self):
        return self._keys()

    def __len__(self) -> int:
        return len(self._node)

    def __iter__(self):
        return iter(self._keys())


class Space:
    """A search space: the user's nested config with domains in it.

    * `domains`: path -> Domain for every unconditional leaf that is a domain (grid and sample_from included);
    * `constants`: path -> value of the fixed leaves;
    * `grid_points()`: the cartesian product of the grid variables, as path -> value dicts;
    * `sample(rng, fixed=...)`: a resolved config; `fixed` pins path values (grid assignments, an adapter's choices;
      for a conditional `choice`, its index, with the nested paths as "<path>/<index>/<key>").
    """

    def __init__(self, config: dict[str, Any] | None):
        if config is None:
            config = {}
        if not isinstance(config, dict):
            raise AsktellTypeError(f"`config` must be a dict, but got {type(config).__name__}: {config!r}")
        self.spec = _normalise(config)
        self.domains: dict[str, Domain] = {}
        self.constants: dict[str, Any] = {}
        for path, leaf in iter_leaves(self.spec):
            if isinstance(leaf, Domain):
                self.domains[path] = leaf
            else:
                self.constants[path] = leaf
        self.grid = {p: d for p, d in self.domains.items() if isinstance(d, Grid)}
        # the top level's domain leaves, conditional choices marked: sample() need not walk the spec again
        self._top = [(p, d, _is_conditional(d)) for p, d in self.domains.items()]
        self._flat = not any(isinstance(v, (dict, list, tuple)) for v in self.spec.values())

    def __repr__(self) -> str:
        return f"Space({self.spec!r})"

    def fingerprint(self) -> str:
        """A text that changes when the space changes (used to refuse resuming with a different space)."""
        return repr(sorted((p, repr(d)) for p, d in self.domains.items())) + repr(sorted(self.constants.items(), key=str))

    @property
    def is_empty(self) -> bool:
        return not self.domains

    def grid_points(self) -> list[dict[str, Any]]:
        """The grid's cartesian product; the first grid variable varies fastest (as in Ray Tune)."""
        paths = list(self.grid)
        combos = itertools.product(*(self.grid[p].values for p in reversed(paths)))
        return [dict(zip(reversed(paths), combo)) for combo in combos]

    def sample(self, rng: np.random.Generator, fixed: dict[str, Any] | None = None) -> dict[str, Any]:
        """A resolved config: domains sampled (unless pinned in `fixed`), then every `sample_from` resolved."""
        fixed = fixed or {}
        config = dict(self.spec) if getattr(self, "_flat", False) else _skeleton(self.spec)
        functions: dict[str, Function] = {}
        self._fill(config, self.spec, "", rng, fixed, functions, leaves=getattr(self, "_top", None))
        if functions:
            _resolve_functions(config, functions, rng)
        return config

    def _fill(self, config, spec, prefix, rng, fixed, functions, leaves=None) -> None:
        if leaves is None:
            leaves = [(p, d, _is_conditional(d)) for p, d in iter_leaves(spec, prefix) if isinstance(d, Domain)]
        for path, leaf, conditional in leaves:
            if isinstance(leaf, Function):
                functions[path] = leaf
                _set_path(config, path, None)
                continue
            if conditional:
                index = fixed[path] if path in fixed else int(rng.integers(len(leaf.categories)))
                if not isinstance(index, (int, np.integer)) or not 0 <= index < len(leaf.categories):
                    raise AsktellValueError(f"conditional choice {path!r} takes a category index, got {index!r}")
                chosen = leaf.categories[int(index)]
                _set_path(config, path, _skeleton(chosen))
                inner = {p[len(f"{path}{SEP}{index}") + 1:]: v for p, v in fixed.items()
                         if p.startswith(f"{path}{SEP}{index}{SEP}")}
                sub = _skeleton(chosen)
                self._fill_sub(sub, chosen, rng, inner, functions, path)
                _set_path(config, path, sub)
                continue
            if path in fixed:
                value = fixed[path]
            elif isinstance(leaf, Grid):
                value = leaf.values[int(rng.integers(len(leaf.values)))]
            else:
                value = leaf.sample(rng)
            while isinstance(value, Domain) and not isinstance(value, (Function, Grid)):  # choice([uniform(..), ..])
                value = value.sample(rng)
            if isinstance(value, Function):
                functions[path] = value
                _set_path(config, path, None)
                continue
            if isinstance(value, (dict, list)) and has_domain(value):
                sub = _skeleton(value)
                self._fill_sub(sub, value, rng, {}, functions, path)
                value = sub
            _set_path(config, path, value)

    def _fill_sub(self, sub, spec, rng, fixed, functions, path) -> None:
        """Resolve a chosen sub-space; its sample_from functions are registered under the outer path."""
        if not isinstance(spec, (dict, list)):
            return
        inner_functions: dict[str, Function] = {}
        self._fill(sub, spec, "", rng, fixed, inner_functions)
        for p, fn in inner_functions.items():
            functions[f"{path}{SEP}{p}"] = fn


def _resolve_functions(config: dict[str, Any], functions: dict[str, Function], rng: np.random.Generator) -> None:
    """Call every sample_from until none is left; a function reading a pending value waits for it."""
    pending = set(functions)
    while pending:
        progressed = False
        for path in sorted(pending):
            view = ConfigView(config, pending - set())
            try:
                value = _call_seeded(functions[path], view, rng)
            except _Unresolved:
                continue
            if isinstance(value, ConfigView):
                value = value._node
            _set_path(config, path, value)
            pending.discard(path)
            progressed = True
        if not progressed:
            raise AsktellValueError(
                f"sample_from functions depend on each other in a cycle: {sorted(pending)}"
            )


def _call_seeded(function: Function, view: ConfigView, rng: np.random.Generator) -> Any:
    """Call `fn` with numpy's and Python's global generators seeded from `rng` (restored afterwards), so a
    sample_from that uses `np.random` or `random` still gives the same trials for the same experiment seed."""
    np_state, py_state = np.random.get_state(), random.getstate()
    seed = int(rng.integers(2**32))
    np.random.seed(seed)
    random.seed(seed)
    try:
        return function.call(view)
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
