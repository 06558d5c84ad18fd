"""`DEHBSearcher`: differential evolution across rungs, after DEHB (Awad, Mallik & Hutter, IJCAI 2021).

One subpopulation per rung, of the paper's size (the most trials any HyperBand bracket holds at that rung). A new
trial starting at rung k is random until that rung's subpopulation is full; then it is a DE child: rand/1 mutation
`a + F·(b - c)` of three parents drawn from the *parent pool* — the subpopulation of the highest rung at or above k
that holds at least three members (configs the scheduler promoted there), so good high-fidelity configs steer the
low-fidelity search — binomial crossover with the next target of rung k's subpopulation (taken in turn), and
coordinates that leave the unit cube redrawn at random. When the child reaches rung k it replaces its target if its
loss is no worse (DE selection); any other arrival at a rung (a promoted trial, a random one) replaces the worst
member if better.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import AsktellValueError
from .base import _Finished
from .multi_fidelity import MultiFidelitySearcher, check_fraction


class DEHBSearcher(MultiFidelitySearcher):
    """DEHB's searcher: pair it with `HyperBandScheduler`, ASHA (either variant), or no scheduler.

    Args:
        metric, mode: as for every searcher (filled from the experiment when left out).
        mutation_factor: F of the rand/1 mutation (0.5, the paper's).
        crossover_prob: the binomial crossover rate (0.5).
        time_attr, max_t, grace_period, reduction_factor, random_fraction, seed: see `MultiFidelitySearcher`
            (no random fraction by default, as in the paper).

    ```
    from hpo_core.schedulers import ASHAScheduler
    from hpo_core.searchers.dehb import DEHBSearcher
    run(trainable, config=space, metric="loss", mode="min", num_samples=500,
        search_alg=DEHBSearcher(), scheduler=ASHAScheduler(max_t=81, reduction_factor=3))
    ```
    """

    def __init__(self, metric: str | None = None, mode: str | None = None, *, mutation_factor: float = 0.5,
                 crossover_prob: float = 0.5, **fidelity: Any):
        super().__init__(metric, mode, **fidelity)
        name = type(self).__name__
        if isinstance(mutation_factor, bool) or not isinstance(mutation_factor, (int, float)) \
                or not 0 < mutation_factor <= 2:
            raise AsktellValueError(f"{name}: `mutation_factor` must be a number in (0, 2], but got {mutation_factor!r}")
        self.mutation_factor = float(mutation_factor)
        self.crossover_prob = check_fraction(name, "crossover_prob", crossover_prob)
        self._reset_population()

    def _reset_population(self) -> None:
        count = len(self.fidelity.rungs)
        self.population: list[list[str]] = [[] for _ in range(count)]  # member trial ids per rung
        self.member_loss: list[dict[str, float]] = [{} for _ in range(count)]
        self.cursor = [0] * count
        self.targets: dict[str, tuple[int, str]] = {}  # DE child -> (rung, target member it challenges)
        self._target: tuple[int, str] | None = None

    def set_fidelity(self, fidelity) -> None:
        super().set_fidelity(fidelity)
        self._reset_population()

    def population_size(self, rung: int) -> int:
        """The most trials any HyperBand bracket (η = the fidelity's reduction factor) holds at rung `rung`."""
        eta, top = self.fidelity.reduction_factor, len(self.fidelity.rungs) - 1
        sizes = []
        for s in range(top - rung, top + 1):  # brackets whose first rung (top - s) is at or below `rung`
            first = math.ceil((top + 1) / (s + 1) * eta ** s)
            sizes.append(int(first * eta ** -(rung - (top - s)) + 1e-9))
        return max(max(sizes), 3)

    # --- suggest ----------------------------------------------------------------------------------------------
    def suggest_at(self, trial_id: str, level: float) -> dict[str, Any] | None | _Finished:
        self._target = None
        config = super().suggest_at(trial_id, level)
        if self._target is not None:
            self.targets[trial_id] = self._target
        return config

    def _propose(self, rung: int) -> np.ndarray | None:
        members = self.population[rung]
        if len(members) < self.population_size(rung):
            return None
        target = members[self.cursor[rung] % len(members)]
        self.cursor[rung] += 1
        pool = next((self.population[j] for j in reversed(range(rung, len(self.population)))
                     if len(self.population[j]) >= 3), members)
        rng, dim = self.rng, self.encoder.dim
        a, b, c = (self.points[pool[i]] for i in rng.choice(len(pool), size=3, replace=False))
        mutant = a + self.mutation_factor * (b - c)
        outside = (mutant < 0) | (mutant > 1)
        mutant = np.where(outside, rng.random(dim), mutant)
        cross = rng.random(dim) < self.crossover_prob
        cross[rng.integers(dim)] = True
        self._target = (rung, target)
        return np.where(cross, mutant, self.points[target])

    # --- selection --------------------------------------------------------------------------------------------
    def _observed(self, trial_id: str, rung: int, loss: float) -> None:
        members, losses = self.population[rung], self.member_loss[rung]
        target = self.targets.pop(trial_id, None)
        if target is not None and target[0] == rung and target[1] in losses:
            if loss <= losses[target[1]]:
                self._replace(rung, target[1], trial_id, loss)
            return
        if len(members) < self.population_size(rung):
            members.append(trial_id)
            losses[trial_id] = loss
            return
        worst = max(members, key=losses.__getitem__)
        if loss < losses[worst]:
            self._replace(rung, worst, trial_id, loss)

    def _replace(self, rung: int, old: str, new: str, loss: float) -> None:
        members = self.population[rung]
        members[members.index(old)] = new
        del self.member_loss[rung][old]
        self.member_loss[rung][new] = loss
