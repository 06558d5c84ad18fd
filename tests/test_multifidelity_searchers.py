"""The multi-fidelity searchers (BOHB, DEHB, MOBSTER): the shipped contracts, seeds, the experiment's hooks, and
that each finds better configs than random search on a small cheap problem."""
from __future__ import annotations

import math

import numpy as np
import pytest

from hpo_core import Experiment, choice, randint, uniform
from hpo_core.callbacks import CallbackList
from hpo_core.driver import Driver
from hpo_core.errors import AsktellValueError
from hpo_core.executors.simulated import SimulatedExecutor, SimulatedTrainable
from hpo_core.schedulers import ASHAPromotionScheduler, AsyncHyperBandScheduler, HyperBandScheduler
from hpo_core.searchers import BasicVariantGenerator, BOHBSearcher, DEHBSearcher, Fidelity, MOBSTERSearcher
from hpo_core.searchers.encoding import UnitEncoder
from hpo_core.space import Space
from hpo_core.testing import MULTI_FIDELITY_CHECKS, SEARCHER_CHECKS, SearcherCase

CONDITIONAL_SPACE = {
    "model": choice([{"kind": "svm", "c": uniform(0.1, 10.0)},
                     {"kind": "tree", "depth": randint(1, 8), "split": choice(["gini", "entropy"])}]),
    "lr": uniform(0.0, 1.0),
}
CASES = [
    SearcherCase("bohb", lambda: BOHBSearcher(max_t=9), num_trials=16),
    SearcherCase("dehb", lambda: DEHBSearcher(max_t=9, reduction_factor=3), num_trials=16),
    SearcherCase("mobster", lambda: MOBSTERSearcher(max_t=9, num_candidates=40, num_local=10), num_trials=14),
    SearcherCase("bohb-conditional", lambda: BOHBSearcher(max_t=9), space=CONDITIONAL_SPACE, num_trials=16),
    SearcherCase("dehb-conditional", lambda: DEHBSearcher(max_t=9), space=CONDITIONAL_SPACE, num_trials=16),
    SearcherCase("mobster-conditional", lambda: MOBSTERSearcher(max_t=9, num_candidates=40, num_local=10),
                 space=CONDITIONAL_SPACE, num_trials=16),
]


@pytest.mark.parametrize("check", SEARCHER_CHECKS + MULTI_FIDELITY_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_searcher_contract(case, check):
    check(case)


def test_unit_encoder_snaps_integers_and_categoricals_and_parks_inactive_branches():
    encoder = UnitEncoder(Space(CONDITIONAL_SPACE))
    assert encoder.dim == 5 and list(encoder.categories) == [2, 0, 0, 2, 0]  # model, c, depth, split, lr
    point = encoder.canonical(np.array([0.9, 0.37, 0.51, 0.2, 0.4]))  # "tree": c is inactive
    assert point[1] == 0.5 and point[0] == 0.75 and point[3] == 0.25
    config = encoder.config(point, np.random.default_rng(0))
    assert config["model"]["kind"] == "tree" and config["model"]["split"] == "gini"
    assert isinstance(config["model"]["depth"], int) and "c" not in config["model"]
    assert np.allclose(encoder.canonical(point), point)  # canonical points are fixed points


BOWL_SPACE = {"x": uniform(0, 1), "y": uniform(0, 1), "k": choice(["a", "b", "c"])}


class Bowl(SimulatedTrainable):
    """A cheap multi-fidelity problem: the loss falls with the epochs towards (x-0.8)² + (y-0.15)² + a category's
    offset; an epoch takes 1 simulated second."""

    def curve(self, config, *, start_iteration=0, state=None):
        final = (config["x"] - 0.8) ** 2 + (config["y"] - 0.15) ** 2 + {"a": 0.1, "b": 0.0, "c": 0.2}[config["k"]]
        for epoch in range(start_iteration + 1, 10):
            yield 1.0, {"loss": final + 0.5 / epoch}


def best_loss(searcher, scheduler, seed, trials=60, workers=4):
    executor = SimulatedExecutor(workers)
    exp = Experiment(BOWL_SPACE, metric="loss", mode="min", num_samples=trials, search_alg=searcher,
                     scheduler=scheduler, seed=seed, clock=executor.now)
    executor.setup(Bowl())
    Driver(exp, executor, CallbackList([])).run()
    return min(r["loss"] for t in exp.trials.values() for r in t.results if r["training_iteration"] == 9), exp


@pytest.mark.parametrize("make", [BOHBSearcher, DEHBSearcher,
                                  pytest.param(lambda: MOBSTERSearcher(num_candidates=100, num_local=20), marks=pytest.mark.slow)],
                         ids=["bohb", "dehb", "mobster"])
def test_each_method_beats_random_search_under_asha(make):
    def asha():
        return AsyncHyperBandScheduler(max_t=9, grace_period=1, reduction_factor=3)
    seeds = range(3)
    model = [best_loss(make(), asha(), seed, trials=90)[0] for seed in seeds]
    random = [best_loss(BasicVariantGenerator(), asha(), seed, trials=90)[0] for seed in seeds]
    assert np.median(model) < np.median(random), (model, random)


def test_experiment_tells_the_schedulers_rungs_and_runs_reproduce_by_seed():
    searcher = BOHBSearcher()
    _, exp = best_loss(searcher, HyperBandScheduler(max_t=9, reduction_factor=3), seed=4, trials=30)
    assert searcher.fidelity.rungs == (1.0, 3.0, 9.0)
    assert sum(len(ids) for ids in searcher.rung_ids) > 30  # it learned from intermediate results
    again = best_loss(BOHBSearcher(), HyperBandScheduler(max_t=9, reduction_factor=3), seed=4, trials=30)[1]
    other = best_loss(BOHBSearcher(), HyperBandScheduler(max_t=9, reduction_factor=3), seed=5, trials=30)[1]
    configs = [t.config for t in exp.trials.values()]
    assert configs == [t.config for t in again.trials.values()]
    assert configs != [t.config for t in other.trials.values()]


class LevelsHeard(DEHBSearcher):
    """DEHB that keeps the levels it was asked at."""

    def suggest_at(self, trial_id, level):
        self.heard = [*getattr(self, "heard", []), level]
        return super().suggest_at(trial_id, level)


def test_searcher_is_asked_at_the_bracket_the_promotion_scheduler_draws():
    searcher = LevelsHeard()
    scheduler = ASHAPromotionScheduler(max_t=27, grace_period=1, reduction_factor=3, brackets=3)
    _, exp = best_loss(searcher, scheduler, seed=0, trials=40)
    assert searcher.fidelity.rungs == (1.0, 3.0, 9.0, 27.0)
    assert set(searcher.heard) == {1.0, 3.0, 9.0} and len(searcher.heard) == 40
    first_report = {t.trial_id: t.results[0]["training_iteration"] for t in exp.trials.values()}
    assert not searcher.pending and min(first_report.values()) == 1


def test_population_sizes_follow_hyperband_brackets():
    searcher = DEHBSearcher()
    searcher.set_fidelity(Fidelity.geometric(grace_period=1, max_t=81, reduction_factor=3))
    assert [searcher.population_size(k) for k in range(5)] == [81, 34, 15, 8, 5]


@pytest.mark.parametrize("bad", [{"random_fraction": 1.5}, {"max_t": 0}, {"reduction_factor": 1}])
def test_bad_settings_raise_naming_the_value(bad):
    with pytest.raises(AsktellValueError):
        BOHBSearcher(**bad)


def test_bohb_rejects_bad_options_by_name():
    with pytest.raises(AsktellValueError, match="num_samples"):
        BOHBSearcher(num_samples=0)
    with pytest.raises(AsktellValueError, match="top_n_percent"):
        BOHBSearcher(top_n_percent=100)
    with pytest.raises(AsktellValueError, match="mutation_factor"):
        DEHBSearcher(mutation_factor=-1)
    assert math.isfinite(Fidelity.geometric(max_t=10, reduction_factor=3).max_t)


def test_ray_tune_names_map_onto_bohb_and_hyperband():
    from hpo_ray.tune.schedulers import HyperBandForBOHB
    from hpo_ray.tune.search import TuneBOHB

    searcher = TuneBOHB(bohb_config={"top_n_percent": 20}, seed=3)
    assert isinstance(searcher, BOHBSearcher) and searcher.top_n_percent == 20
    _, exp = best_loss(searcher, HyperBandForBOHB(max_t=9, reduction_factor=3), seed=0, trials=20)
    assert searcher.fidelity.rungs == (1.0, 3.0, 9.0) and len(exp.trials) == 20
    with pytest.raises(AsktellValueError, match="bohb_config"):
        TuneBOHB(bohb_config={"eta": 3})


def test_multifidelity_suite_smoke_run(tmp_path):
    from benchmarks.__main__ import main

    args = ["multifidelity", "--out", str(tmp_path), "--no-progress", "--seeds", "1", "--budget", "40",
            "--problems", "curves-hard", "--methods", "asha,bohb-asha,dehb,dehb-alone"]
    assert main(args) == 0
    table = (tmp_path / "multifidelity.md").read_text()
    assert "| dehb-alone |" in table and "speed-up vs ASHA" in table
    assert (tmp_path / "multifidelity_time.png").read_bytes()[:4] == b"\x89PNG"
