"""`MOBSTERSearcher`: a Gaussian process over (config, fidelity), after MOBSTER (Klein et al., 2020).

One GP (scikit-learn's kernels: constant × Matérn-5/2 with a length scale per input, plus white noise) models the
loss of every observation at every rung, with the rung level as one more input (log-scaled to [0, 1]) and
categorical coordinates one-hot. A new trial gets the candidate with the largest expected improvement at the
*acquisition level*: the highest rung holding at least dimensions + 2 observations (BOHB's rule, MOBSTER's
default), against the best loss observed there. Running trials are fantasised at that level with the GP's mean
(kriging believer), so 32 workers do not all get the same config. The kernel's hyperparameters are fitted by
maximum likelihood when the data grew by a fifth (and at least 10) since the last fit (warm-started, on at most `fit_points`
observations); in between the GP is only conditioned on the data, which keeps an ask cheap at thousands of
observations (the GP itself holds at most `max_observations`: the highest rungs first, a random subset of the rest).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import AsktellValueError
from .multi_fidelity import MultiFidelitySearcher


class MOBSTERSearcher(MultiFidelitySearcher):
    """A GP over (config, rung level) with expected improvement; pair it with ASHA (MOBSTER), or no scheduler.

    Args:
        metric, mode: as for every searcher (filled from the experiment when left out).
        num_init_random: trials drawn at random before the GP is used (default: dimensions + 2).
        num_candidates: random candidates scored per suggestion (250), plus `num_local` perturbations of the best
            observed points (50).
        max_observations: most observations the GP conditions on (400); `fit_points`: most it fits its
            hyperparameters on (200).
        time_attr, max_t, grace_period, reduction_factor, random_fraction, seed: see `MultiFidelitySearcher`.

    Needs scikit-learn (imported when the first model is fitted).

    ```
    from hpo_core.schedulers import ASHAScheduler
    from hpo_core.searchers.mobster import MOBSTERSearcher
    run(trainable, config=space, metric="loss", mode="min", num_samples=500,
        search_alg=MOBSTERSearcher(), scheduler=ASHAScheduler(max_t=81, reduction_factor=3))
    ```
    """

    def __init__(self, metric: str | None = None, mode: str | None = None, *, num_init_random: int | None = None,
                 num_candidates: int = 250, num_local: int = 50, max_observations: int = 400, fit_points: int = 200,
                 **fidelity: Any):
        super().__init__(metric, mode, **fidelity)
        for label, value, least in (("num_init_random", num_init_random, 1), ("num_candidates", num_candidates, 1),
                                    ("num_local", num_local, 0), ("max_observations", max_observations, 10),
                                    ("fit_points", fit_points, 10)):
            if value is None and label == "num_init_random":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise AsktellValueError(f"{type(self).__name__}: `{label}` must be an int >= {least}, but got {value!r}")
        self.num_init_random = num_init_random
        self.num_candidates, self.num_local = num_candidates, num_local
        self.max_observations, self.fit_points = max_observations, fit_points
        self.kernel: Any = None  # the fitted scikit-learn kernel
        self.fitted_on = 0  # observations at the last hyperparameter fit

    def _propose(self, rung: int) -> np.ndarray | None:
        dim = self.encoder.dim
        total = sum(len(ids) for ids in self.rung_ids)
        if total < (self.num_init_random or dim + 2):
            return None
        acquisition = self.largest_rung_with(dim + 2)
        acquisition = 0 if acquisition is None else acquisition
        points, levels, losses = self._training_data()
        inputs = self._inputs(points, levels)
        mean, scale = losses.mean(), losses.std() or 1.0
        targets = (losses - mean) / scale
        if self.kernel is None or total >= max(self.fitted_on * 1.2, self.fitted_on + 10):
            self._fit_hyperparameters(inputs, targets)
            self.fitted_on = total
        posterior = _Posterior(self.kernel, inputs, targets)
        pending = [self.points[t] for t in self.pending]
        if pending:
            fantasy = self._inputs(np.array(pending), np.full(len(pending), acquisition))
            believed, _ = posterior.predict(fantasy)
            posterior = _Posterior(self.kernel, np.vstack([inputs, fantasy]), np.concatenate([targets, believed]))
        at_level, level_losses = self.observations(acquisition)
        incumbent = (level_losses.min() - mean) / scale
        candidates = self._candidates(at_level, level_losses)
        mu, sigma = posterior.predict(self._inputs(candidates, np.full(len(candidates), acquisition)))
        return candidates[int(np.argmax(_expected_improvement(mu, sigma, incumbent)))]

    # --- data -------------------------------------------------------------------------------------------------
    def _training_data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(points, rung indices, losses): every rung from the top down while they fit in `max_observations`,
        then a random subset of the next rung; lower rungs are left out."""
        chosen: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        room = self.max_observations
        for rung in reversed(range(len(self.rung_ids))):
            if room <= 0:
                break
            points, losses = self.observations(rung)
            if len(losses) > room:
                keep = np.sort(self.rng.choice(len(losses), size=room, replace=False))
                points, losses = points[keep], losses[keep]
            chosen.append((points, np.full(len(losses), rung), losses))
            room -= len(losses)
        return tuple(np.concatenate(parts) for parts in zip(*chosen))  # type: ignore[return-value]

    def _inputs(self, points: np.ndarray, rungs: np.ndarray) -> np.ndarray:
        levels = np.asarray(self.fidelity.rungs)[np.asarray(rungs, dtype=int)]
        low, high = self.fidelity.rungs[0], self.fidelity.rungs[-1]
        scaled = np.log(levels / low) / np.log(high / low) if high > low else np.zeros(len(levels))
        return np.hstack([self.encoder.one_hot(points), scaled[:, None]])

    def _candidates(self, points: np.ndarray, losses: np.ndarray) -> np.ndarray:
        rng = self.rng
        randoms = rng.random((self.num_candidates, self.encoder.dim))
        best = points[np.argsort(losses, kind="stable")[:5]]
        local = best[rng.integers(len(best), size=self.num_local)] + rng.normal(0, 0.05, (self.num_local,
                                                                                           self.encoder.dim))
        return np.vstack([randoms, np.clip(local, 0, 1)])  # the chosen one is snapped by `suggest_at`

    # --- model ------------------------------------------------------------------------------------------------
    def _fit_hyperparameters(self, inputs: np.ndarray, targets: np.ndarray) -> None:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        if len(targets) > self.fit_points:
            keep = np.sort(self.rng.choice(len(targets), size=self.fit_points, replace=False))
            inputs, targets = inputs[keep], targets[keep]
        kernel = self.kernel
        if kernel is None:
            kernel = (ConstantKernel(1.0, (1e-2, 1e2))
                      * Matern(length_scale=np.ones(inputs.shape[1]), length_scale_bounds=(1e-2, 1e2), nu=2.5)
                      + WhiteKernel(1e-2, (1e-6, 1.0)))
        model = GaussianProcessRegressor(kernel, normalize_y=False, n_restarts_optimizer=0, copy_X_train=False)
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence warnings at the bounds are expected and harmless
            model.fit(inputs, targets)
        self.kernel = model.kernel_


class _Posterior:
    """A GP conditioned on (inputs, targets) with a fixed kernel: predictive mean and standard deviation."""

    def __init__(self, kernel: Any, inputs: np.ndarray, targets: np.ndarray):
        from scipy.linalg import cho_factor, cho_solve

        self.kernel, self.inputs = kernel, inputs
        gram = kernel(inputs)
        gram[np.diag_indices_from(gram)] += 1e-8
        self.factor = cho_factor(gram, lower=True)
        self.alpha = cho_solve(self.factor, targets)
        self.noise = float(kernel.k2.noise_level)

    def predict(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        from scipy.linalg import solve_triangular

        cross = self.kernel(points, self.inputs)
        mean = cross @ self.alpha
        v = solve_triangular(self.factor[0], cross.T, lower=True)
        variance = self.kernel.diag(points) - self.noise - np.einsum("ij,ij->j", v, v)
        return mean, np.sqrt(np.maximum(variance, 1e-12))


def _expected_improvement(mu: np.ndarray, sigma: np.ndarray, best: float) -> np.ndarray:
    from scipy.stats import norm

    z = (best - mu) / sigma
    return sigma * (z * norm.cdf(z) + norm.pdf(z))
