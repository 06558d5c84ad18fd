"""`ray.tune.search.bohb.TuneBOHB` → `hpo_core.searchers.BOHBSearcher` (asktell's own BOHB; no hpbandster needed)."""
from __future__ import annotations

from typing import Any

from hpo_core.errors import AsktellValueError
from hpo_core.searchers import BOHBSearcher, ConcurrencyLimiter, Searcher

_OPTIONS = ("min_points_in_model", "top_n_percent", "num_samples", "random_fraction", "bandwidth_factor",
            "min_bandwidth")


def TuneBOHB(space: Any = None, bohb_config: dict[str, Any] | None = None, metric: str | None = None,
             mode: str | None = None, points_to_evaluate: Any = None, seed: int | None = None,
             max_concurrent: int = 0) -> Searcher:
    """Ray Tune's `TuneBOHB` arguments, answered by `BOHBSearcher` (pair it with `HyperBandForBOHB`).

    `bohb_config` takes hpbandster's BOHB options (`min_points_in_model`, `top_n_percent`, `num_samples`,
    `random_fraction`, `bandwidth_factor`, `min_bandwidth`); the space comes from `tune.run(config=...)`.
    """
    if space is not None:
        raise AsktellValueError("TuneBOHB: pass the search space as `config=` to tune.run, not as `space` "
                                f"(got space={space!r})")
    if points_to_evaluate:
        raise AsktellValueError(f"TuneBOHB: `points_to_evaluate` is not supported, but got {points_to_evaluate!r}")
    unknown = sorted(set(bohb_config or {}) - set(_OPTIONS))
    if unknown:
        raise AsktellValueError(f"TuneBOHB: unknown `bohb_config` keys {unknown}; known: {list(_OPTIONS)}")
    searcher = BOHBSearcher(metric, mode, seed=seed, **(bohb_config or {}))
    return ConcurrencyLimiter(searcher, max_concurrent) if max_concurrent else searcher
