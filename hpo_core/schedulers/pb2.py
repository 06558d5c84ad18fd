"""PB2: population based training whose explore step picks the new config by GP-UCB (Parker-Holder et al., 2020)."""
from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import AsktellTypeError, AsktellValueError
from ..trial import Trial
from .pbt import PopulationBasedTraining


class PB2(PopulationBasedTraining):
    """PBT with a model-based explore step over the continuous hyperparameters in `hyperparam_bounds`
    (`{"lr": [1e-4, 1e-1], ...}`; int bounds give ints).

    Data: each time a trial reaches a perturbation point, one row (time, score at the previous point,
    hyperparameters used since) → score change. Explore: fit a Gaussian process to the rows and, for the
    exploiting trial (which restarts at the donor's time and score), choose the hyperparameters maximising
    UCB = mean + `kappa`·std over `num_candidates` random points in the bounds plus the donor's own. The other live
    trials' current configs enter as pending points (their predicted mean as a fake result), which shrinks the
    variance near them so that a batch of exploits spreads out.

    Kernel (scikit-learn, imported lazily): ConstantKernel × RBF with one length scale per input + WhiteKernel,
    fitted by maximum likelihood on inputs scaled to [0, 1] and standardised targets. Time is an ordinary input with
    its own length scale, so the fitted model lets the reward landscape drift: observations far back in time
    correlate weakly with the current time. On top of that only the last `window` perturbation intervals of data are
    used. This is a smooth stand-in for PB2's time-varying kernel (whose time factor (1 − ε)^|t − t'| has no
    ready-made scikit-learn counterpart restricted to one input); it needs no custom kernel code and sklearn's
    optimiser tunes how fast the past is forgotten. With fewer than 3 rows the explore step samples uniformly.
    """

    def __init__(self, time_attr: str = "time_total_s", metric: str | None = None, mode: str | None = None,
                 perturbation_interval: float = 60.0, hyperparam_bounds: Mapping[str, Sequence[float]] | None = None,
                 *, burn_in_period: float = 0.0, quantile_fraction: float = 0.25,
                 custom_explore_fn: Callable[[dict[str, Any]], dict[str, Any]] | None = None, synch: bool = False,
                 kappa: float = 2.0, window: float = 4.0, num_candidates: int = 256, log_config: bool = True):
        bounds = dict(hyperparam_bounds or {})
        if not bounds:
            raise AsktellValueError(f"PB2: `hyperparam_bounds` must name at least one hyperparameter, got {bounds!r}")
        for key, pair in bounds.items():
            if (not isinstance(pair, (list, tuple)) or len(pair) != 2
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pair)):
                raise AsktellTypeError(f"PB2: hyperparam_bounds[{key!r}] must be [low, high], but got {pair!r}")
            if not pair[0] < pair[1]:
                raise AsktellValueError(f"PB2: hyperparam_bounds[{key!r}] needs low < high, but got {list(pair)!r}")
        super().__init__(time_attr=time_attr, metric=metric, mode=mode, perturbation_interval=perturbation_interval,
                         burn_in_period=burn_in_period, quantile_fraction=quantile_fraction,
                         resample_probability=0.0, custom_explore_fn=custom_explore_fn, synch=synch, log_config=log_config)
        self.hyperparam_bounds = {key: (pair[0], pair[1]) for key, pair in bounds.items()}
        self.kappa, self.window, self.num_candidates = float(kappa), float(window), int(num_candidates)
        self.max_rows = 200  # the most recent rows only: a GP fit costs O(rows^3)
        self.last_kernel: Any = None
        self.rows: list[tuple[float, float, list[float], float]] = []  # (time, score before, unit hparams, change)
        self.previous: dict[str, tuple[float, float]] = {}  # trial -> (time, score) at its last perturbation point

    def _needs_mutations(self) -> bool:
        return False

    def on_trial_add(self, trial: Trial) -> None:
        missing = [key for key in self.hyperparam_bounds if not isinstance(trial.config.get(key), (int, float))]
        if missing:
            raise AsktellValueError(f"PB2: hyperparam_bounds names {missing} but trial {trial.trial_id}'s config has "
                                    f"no number there: put them in the search space, e.g. uniform(low, high)")
        super().on_trial_add(trial)

    # --- data ------------------------------------------------------------------------------------------------
    def _unit(self, config: Mapping[str, Any]) -> list[float]:
        return [(float(config[k]) - lo) / (hi - lo) for k, (lo, hi) in self.hyperparam_bounds.items()]

    def _observe(self, trial_id: str, now: float) -> None:
        member = self.members[trial_id]
        before = self.previous.get(trial_id)
        if before is not None and now > before[0] and math.isfinite(member.last_score - before[1]):
            self.rows.append((now, before[1], self._unit(member.config), member.last_score - before[1]))
        self.previous[trial_id] = (now, member.last_score)

    def _after_exploit(self, trial_id: str, donor_id: str) -> None:
        donor = self.members[donor_id]
        self.previous[trial_id] = (donor.last_train_time, donor.last_score)

    # --- explore ---------------------------------------------------------------------------------------------
    def _explore_config(self, trial_id: str, donor_id: str) -> dict[str, Any]:
        donor = self.members[donor_id]
        start = (donor.last_train_time, donor.last_score)
        candidates = self.rng.random((self.num_candidates, len(self.hyperparam_bounds)))
        candidates = np.vstack([candidates, np.clip(self._unit(donor.config), 0, 1)])
        horizon = start[0] - self.window * self.perturbation_interval
        rows = [row for row in self.rows if row[0] >= horizon][-self.max_rows:]
        if len(rows) < 3 or not math.isfinite(start[1]):  # a worst (NaN) score gives the model nothing
            best = candidates[0]
        else:
            pending = [self._unit(m.config) for t, m in self.members.items()
                       if t not in (trial_id, donor_id) and not m.finished and t not in self.exploits]
            best = self._ucb_best(rows, start, candidates, pending)
        config = dict(donor.config)
        for (key, (lo, hi)), u in zip(self.hyperparam_bounds.items(), best):
            value = lo + float(np.clip(u, 0.0, 1.0)) * (hi - lo)
            config[key] = round(value) if isinstance(lo, int) and isinstance(hi, int) else value
        return config

    def _ucb_best(self, rows: list, start: tuple[float, float], candidates: np.ndarray,
                  pending: list[list[float]]) -> np.ndarray:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        times = np.array([r[0] for r in rows] + [start[0]], dtype=float)
        scores = np.array([r[1] for r in rows] + [start[1]], dtype=float)
        t_lo, t_span = times.min(), max(np.ptp(times), 1e-12)
        s_lo, s_span = scores.min(), max(np.ptp(scores), 1e-12)

        def inputs(t: float, s: float, unit: np.ndarray) -> np.ndarray:
            head = np.tile([(t - t_lo) / t_span, (s - s_lo) / s_span], (len(unit), 1))
            return np.hstack([head, unit])

        x = np.vstack([inputs(r[0], r[1], np.array([r[2]])) for r in rows])
        y = np.array([r[3] for r in rows], dtype=float)
        y = (y - y.mean()) / (y.std() or 1.0)
        dims = x.shape[1]
        kernel = self.last_kernel or (ConstantKernel(1.0, (1e-2, 1e2)) * RBF(np.ones(dims), (1e-2, 1e2))
                                      + WhiteKernel(1e-2, (1e-6, 1e0)))  # warm start from the last fit
        seed = int(self.rng.integers(2**31))
        with warnings.catch_warnings():  # length scales at their bounds are expected with few rows
            warnings.simplefilter("ignore", ConvergenceWarning)
            gp = GaussianProcessRegressor(kernel, normalize_y=False, random_state=seed).fit(x, y)
        self.last_kernel = gp.kernel_
        if pending:
            x_pending = inputs(start[0], start[1], np.array(pending))
            gp = GaussianProcessRegressor(gp.kernel_, optimizer=None).fit(
                np.vstack([x, x_pending]), np.concatenate([y, gp.predict(x_pending)]))
        mean, std = gp.predict(inputs(start[0], start[1], candidates), return_std=True)
        return candidates[int(np.argmax(mean + self.kappa * std))]
