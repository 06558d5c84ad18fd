"""A library's own search space given to its adapter (Ray Tune's `OptunaSearch(space=...)`,
`HyperOptSearch(space=...)`, `BayesOptSearch(space=...)`).

Two kinds: a space that maps onto asktell's domains (optuna distributions, bayes_opt bounds) becomes the
experiment's space through `_space_from_native`; one that only the library can sample (hyperopt expressions,
optuna define-by-run functions) is asked through `_ask_native`, and the config is what the library returns. Either
way the run's own `config`/`param_space` may then hold constants only (they are added to every config).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from hpo_core.errors import AsktellValueError
from hpo_core.space import Space


def unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """`{"a/b": 1, "c": 2}` -> `{"a": {"b": 1}, "c": 2}` (Ray Tune's nesting of library parameter names)."""
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, leaf = str(key).split("/")
        level = nested
        for parent in parents:
            level = level.setdefault(parent, {})
        level[leaf] = value
    return nested


def _merge(config: dict[str, Any], constants: dict[str, Any]) -> dict[str, Any]:
    for key, value in constants.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            _merge(config[key], value)
        else:
            config.setdefault(key, value)
    return config


class NativeSpace:
    """Mixin for a `LibrarySearcher` (listed before it) that may be given the library's own space.

    The subclass stores the space in `self.native_space` and implements `_space_from_native` (asktell domains, or
    None when only the library can sample it) and, for the latter kind, `_ask_native`.
    """

    native_space: Any = None

    def _space_from_native(self) -> dict[str, Any] | None:
        return None

    def _ask_native(self, trial_id: str) -> dict[str, Any]:
        raise NotImplementedError

    @property
    def asks_natively(self) -> bool:
        return self.native_space is not None and self._space_from_native() is None

    def set_search_properties(self, metric: Any, mode: Any, space: Space) -> None:
        if self.native_space is not None:
            if not space.is_empty:
                raise AsktellValueError(
                    f"{type(self).__name__} was given `space=` and the run was given a search space too "
                    f"({sorted(space.domains)}): give the space in one place"
                )
            self._constants = space.sample(np.random.default_rng(0))  # constants only: nothing is drawn
            converted = self._space_from_native()
            if converted is not None:
                space = Space(_merge(converted, self._constants))
        super().set_search_properties(metric, mode, space)

    def suggest(self, trial_id: str) -> dict[str, Any] | None:
        if not self.asks_natively:
            return super().suggest(trial_id)
        self._start_library()
        return _merge(unflatten(self._ask_native(trial_id)), getattr(self, "_constants", {}))

    def _start_library(self) -> None:
        """Build the library's objects once the seed is known (on the first suggestion or told point)."""
        if self._lib is None:
            if self._seed is None:
                self._seed = int(self.rng.integers(2**31 - 1))
            self._lib = self._build()
            self._lib.setdefault("live", {})
