"""Every scheduler: decisions and resumes after save -> pickle -> restore equal those of an uninterrupted run;
the same seed gives the same run; bad arguments are refused naming the parameter."""
from __future__ import annotations

import math
import pickle

import numpy as np
import pytest

from hpo_core import AsktellTypeError, AsktellValueError, BasicVariantGenerator, Decision, Experiment, uniform
from hpo_core.schedulers import (
    PB2,
    AsyncHyperBandScheduler,
    HyperBandScheduler,
    MedianStoppingRule,
    MOASHAScheduler,
    MOHyperBandScheduler,
    PopulationBasedTraining,
)

KW = {"time_attr": "t", "metric": "r", "mode": "max"}
MO = {"time_attr": "t", "metric": ["r", "cost"], "mode": ["max", "min"]}  # cost: see `simulate`
FACTORIES = {
    "asha": lambda: AsyncHyperBandScheduler(**KW, max_t=12, grace_period=1, reduction_factor=2, brackets=2),
    "hyperband": lambda: HyperBandScheduler(**KW, max_t=12, reduction_factor=2),
    "median": lambda: MedianStoppingRule(**KW, grace_period=2, min_samples_required=2, hard_stop=False),
    "pbt": lambda: PopulationBasedTraining(**KW, perturbation_interval=3, hyperparam_mutations={"x": uniform(0, 1)}),
    "pb2": lambda: PB2(**KW, perturbation_interval=3, hyperparam_bounds={"x": [0.0, 1.0]}),
    "mo-asha": lambda: MOASHAScheduler(**MO, max_t=12, grace_period=1, reduction_factor=2, brackets=2),
    "mo-hyperband": lambda: MOHyperBandScheduler(**MO, max_t=12, reduction_factor=2),
}


def curve(config: dict, t: int) -> float:
    """A curve whose ranking changes over time, so schedulers have decisions to make."""
    x = config["x"]
    return x * math.log1p(t) + (1 - x) * 0.3 * math.sin(t * (1 + 3 * x))


def simulate(make, *, seed=3, swap_at=None, workers=3, num_samples=12, max_t=12):
    """Run a whole experiment on `workers` simulated workers; returns the event log."""
    exp = Experiment({"x": uniform(0, 1)}, scheduler=make(), num_samples=num_samples, seed=seed)
    log, running, tells = [], {}, 0
    while not exp.is_finished():
        while len(running) < workers and (s := exp.ask()) is not None:
            log.append(("ask", s.trial_id, s.resume, s.checkpoint, round(s.config["x"], 12)))
            running[s.trial_id] = s.checkpoint or 0
        if not running:
            break
        for trial_id in list(running):
            t = running[trial_id] + 1
            config = exp.trials[trial_id].config
            decision = exp.tell(trial_id, {"t": t, "r": curve(config, t), "cost": config["x"] * t}, checkpoint=t)
            log.append((trial_id, t, decision))
            tells += 1
            if tells == swap_at:
                state = pickle.loads(pickle.dumps(exp.scheduler.save()))
                exp.scheduler = make()
                exp.scheduler.restore(state)
            if decision is Decision.CONTINUE and t < max_t:
                running[trial_id] = t
                continue
            del running[trial_id]
            if decision is Decision.CONTINUE:
                exp.complete(trial_id)
    return log


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "pb2" else n for n in FACTORIES])
def test_restore_gives_the_same_decisions(name):
    size = {"num_samples": 6} if name == "pb2" else {}  # PB2 fits Gaussian processes: a smaller run, one swap
    plain = simulate(FACTORIES[name], **size)
    decisions = {d for *_, d in plain if isinstance(d, Decision)}
    assert Decision.CONTINUE in decisions and len(decisions) >= 2, "the run must exercise the scheduler"
    for swap_at in (23,) if name == "pb2" else (5, 23, 41):
        assert simulate(FACTORIES[name], swap_at=swap_at, **size) == plain


@pytest.mark.parametrize("name", ["pbt", "asha", "mo-asha"])
def test_seed_decides_the_run(name):
    assert simulate(FACTORIES[name], seed=5) == simulate(FACTORIES[name], seed=5)
    assert simulate(FACTORIES[name], seed=5) != simulate(FACTORIES[name], seed=6)


def test_pbt_exploits_appear_in_the_log():
    log = simulate(FACTORIES["pbt"])
    exploits = [e for e in log if e[0] == "ask" and e[2] and e[3] is not None]
    assert exploits, "PBT resumed nothing"


@pytest.mark.parametrize(("make", "match"), [
    (lambda: AsyncHyperBandScheduler(grace_period=0), "grace_period"),
    (lambda: AsyncHyperBandScheduler(reduction_factor=1), "reduction_factor"),
    (lambda: AsyncHyperBandScheduler(brackets=1.5), "brackets"),
    (lambda: HyperBandScheduler(max_t=0), "max_t"),
    (lambda: MedianStoppingRule(min_samples_required=0), "min_samples_required"),
    (lambda: PopulationBasedTraining(perturbation_interval=0, hyperparam_mutations={"a": [1, 2]}),
     "perturbation_interval"),
    (lambda: PopulationBasedTraining(quantile_fraction=0.7, hyperparam_mutations={"a": [1, 2]}), "quantile_fraction"),
    (lambda: PopulationBasedTraining(hyperparam_mutations={"a": 3}), "hyperparam_mutations"),
    (lambda: PopulationBasedTraining(), "hyperparam_mutations"),
    (lambda: PB2(hyperparam_bounds={"a": [2, 1]}), "hyperparam_bounds"),
    (lambda: PB2(), "hyperparam_bounds"),
])
def test_bad_arguments_name_the_parameter(make, match):
    with pytest.raises((AsktellValueError, AsktellTypeError), match=match):
        make()


def test_experiment_checks():
    with pytest.raises(AsktellValueError, match="metric"):
        Experiment({"x": uniform(0, 1)}, scheduler=AsyncHyperBandScheduler())
    with pytest.raises(AsktellValueError, match="mode"):
        Experiment({"x": uniform(0, 1)}, metric="r", mode="min", scheduler=HyperBandScheduler(**KW))
    exp = Experiment({"x": uniform(0, 1)}, scheduler=AsyncHyperBandScheduler(**KW), num_samples=2)
    trial_id = exp.ask().trial_id
    with pytest.raises(AsktellValueError, match="time_attr='t'"):
        exp.tell(trial_id, {"r": 1.0})
    with pytest.raises(AsktellValueError, match="metric='r'"):
        exp.tell(trial_id, {"t": 1.0})
    with pytest.raises(AsktellValueError, match="metric"):
        Experiment({"x": uniform(0, 1)}, scheduler=MedianStoppingRule())
    class ModelBased(BasicVariantGenerator):
        model_based = True

    with pytest.raises(AsktellValueError, match="model-based"):
        Experiment({"x": uniform(0, 1)}, search_alg=ModelBased(),
                   scheduler=PopulationBasedTraining(**KW, hyperparam_mutations={"x": uniform(0, 1)}))
    exp = Experiment({"y": uniform(0, 1)}, scheduler=PB2(**KW, hyperparam_bounds={"x": [0, 1]}))
    with pytest.raises(AsktellValueError, match="search space"):
        exp.ask()


@pytest.mark.parametrize("reduction_factor", [2, 3, 4, 2.5])
def test_asha_cutoff_is_numpys_linear_percentile(reduction_factor):
    from hpo_core.schedulers import AsyncHyperBandScheduler

    rng = np.random.default_rng(int(reduction_factor * 10))
    scheduler = AsyncHyperBandScheduler(metric="r", mode="max", reduction_factor=reduction_factor)
    for size in (1, 2, 5, 17):
        scores = sorted(rng.normal(size=size).tolist())
        expected = np.percentile(scores, (1 - 1 / reduction_factor) * 100)
        assert scheduler._cutoff(scores) == pytest.approx(expected)
