"""`BOHBSearcher`: BOHB's model (Falkner, Klein & Hutter, ICML 2018), a TPE-style density ratio per rung.

For each new trial it takes the largest rung that holds enough observations, splits them into the best
`top_n_percent` and the rest, fits a product kernel density to each (Gaussian kernels for numeric coordinates,
Aitchison–Aitken kernels for categorical ones, bandwidths by the normal reference rule), draws `num_samples`
candidates from the good density with its bandwidths widened by `bandwidth_factor`, and proposes the one with the
largest ratio good/bad. A `random_fraction` of the trials is random. The paper's defaults throughout.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import AsktellValueError
from .multi_fidelity import MultiFidelitySearcher


class BOHBSearcher(MultiFidelitySearcher):
    """BOHB's searcher: pair it with `HyperBandScheduler` (the paper), ASHA, or no scheduler at all.

    Args:
        metric, mode: as for every searcher (filled from the experiment when left out).
        min_points_in_model: observations a rung needs in each density (default: dimensions + 1).
        top_n_percent: the share of a rung's observations, in percent, that make the good density (15).
        num_samples: candidates drawn per suggestion (64).
        random_fraction: share of random suggestions (1/3).
        bandwidth_factor: widening of the good density's bandwidths when drawing candidates (3).
        min_bandwidth: the smallest bandwidth, so a density never collapses onto one value (1e-3).
        time_attr, max_t, grace_period, reduction_factor, seed: see `MultiFidelitySearcher`.

    ```
    from hpo_core import run, uniform
    from hpo_core.schedulers import HyperBandScheduler
    from hpo_core.searchers.bohb import BOHBSearcher
    analysis = run(trainable, config={"lr": uniform(0, 1)}, metric="loss", mode="min", num_samples=100,
                   search_alg=BOHBSearcher(), scheduler=HyperBandScheduler(max_t=81))
    ```
    """

    def __init__(self, metric: str | None = None, mode: str | None = None, *,
                 min_points_in_model: int | None = None, top_n_percent: float = 15, num_samples: int = 64,
                 random_fraction: float = 1 / 3, bandwidth_factor: float = 3, min_bandwidth: float = 1e-3,
                 **fidelity: Any):
        super().__init__(metric, mode, random_fraction=random_fraction, **fidelity)
        name = type(self).__name__
        if min_points_in_model is not None and (
                isinstance(min_points_in_model, bool) or not isinstance(min_points_in_model, int)
                or min_points_in_model < 1):
            raise AsktellValueError(f"{name}: `min_points_in_model` must be an int >= 1, but got {min_points_in_model!r}")
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
            raise AsktellValueError(f"{name}: `num_samples` must be an int >= 1, but got {num_samples!r}")
        for label, value in (("top_n_percent", top_n_percent), ("bandwidth_factor", bandwidth_factor),
                             ("min_bandwidth", min_bandwidth)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise AsktellValueError(f"{name}: `{label}` must be a number > 0, but got {value!r}")
        if top_n_percent >= 100:
            raise AsktellValueError(f"{name}: `top_n_percent` must be below 100, but got {top_n_percent!r}")
        self.top_n_percent = float(top_n_percent)
        self.min_points_in_model = min_points_in_model
        self.num_samples = num_samples
        self.bandwidth_factor = float(bandwidth_factor)
        self.min_bandwidth = float(min_bandwidth)

    def _propose(self, rung: int) -> np.ndarray | None:
        dim = self.encoder.dim
        least = self.min_points_in_model or dim + 1
        model_rung = self.largest_rung_with(least + 2)
        if model_rung is None:
            return None
        points, losses = self.observations(model_rung)
        count = len(losses)
        n_good = max(least, int(self.top_n_percent * count) // 100)
        n_bad = max(least, int((100 - self.top_n_percent) * count) // 100)
        order = np.argsort(losses, kind="stable")
        good, bad = points[order[:n_good]], points[order[n_good:n_good + n_bad]]
        if len(good) <= dim or len(bad) <= dim:
            return None
        good_bw, bad_bw = self._bandwidths(good), self._bandwidths(bad)
        candidates = self._draw(good, good_bw)
        score = _log_density(candidates, good, good_bw, self.encoder.categories) - _log_density(
            candidates, bad, bad_bw, self.encoder.categories)
        return candidates[int(np.argmax(score))]

    def _bandwidths(self, data: np.ndarray) -> np.ndarray:
        """The normal reference rule per coordinate (1.06·σ·n^(-1/(d+4))), floored at `min_bandwidth`; for a
        categorical coordinate its Aitchison–Aitken λ, at most (c-1)/c."""
        count, dim = data.shape
        bw = 1.06 * data.std(axis=0) * count ** (-1.0 / (dim + 4))
        bw = np.maximum(bw, self.min_bandwidth)
        categories = self.encoder.categories
        return np.where(categories > 0, np.minimum(bw, (categories - 1) / np.maximum(categories, 1)), bw)

    def _draw(self, good: np.ndarray, bw: np.ndarray) -> np.ndarray:
        """`num_samples` candidates: around a random good point, a truncated normal per numeric coordinate (width
        bandwidth_factor·bw), and for a categorical one its value kept with probability 1-λ, else any category."""
        from scipy.stats import truncnorm

        rng, categories = self.rng, self.encoder.categories
        centres = good[rng.integers(len(good), size=self.num_samples)]
        scale = np.maximum(self.bandwidth_factor * bw, 1e-12)
        low, high = (0.0 - centres) / scale, (1.0 - centres) / scale
        numeric = truncnorm.rvs(low, high, loc=centres, scale=scale, random_state=rng)
        numeric = np.asarray(numeric).reshape(centres.shape)
        redraw = rng.random(centres.shape) < bw
        other = (rng.integers(np.maximum(categories, 1), size=centres.shape) + 0.5) / np.maximum(categories, 1)
        categorical = np.where(redraw, other, centres)
        return np.where(categories > 0, categorical, numeric)


def _log_density(points: np.ndarray, data: np.ndarray, bw: np.ndarray, categories: np.ndarray) -> np.ndarray:
    """Log of the product-kernel density of `data` (bandwidths `bw`) at each of `points`."""
    from scipy.special import logsumexp

    is_cat = categories > 0
    diff = points[:, None, :] - data[None, :, :]
    gauss = -0.5 * (diff / bw) ** 2 - np.log(bw) - 0.5 * np.log(2 * np.pi)
    size = np.maximum(categories, 2)
    same = np.abs(diff) < 0.5 / np.maximum(categories, 1)
    aitchison = np.where(same, np.log1p(-bw), np.log(np.maximum(bw, 1e-300) / (size - 1)))
    per_point = np.where(is_cat, aitchison, gauss).sum(axis=2)
    return logsumexp(per_point, axis=1) - np.log(len(data))
