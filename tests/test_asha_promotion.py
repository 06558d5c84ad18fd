"""ASHA's promotion variant: decisions on small scenarios driven through `Experiment.ask()` / `tell()`."""
from __future__ import annotations

import math

import pytest

from hpo_core import Decision, Experiment, uniform
from hpo_core.errors import AsktellValueError
from hpo_core.schedulers import ASHAPromotionScheduler
from hpo_core.schedulers.fidelity import fidelity_of


def experiment(**options):
    scheduler = ASHAPromotionScheduler(time_attr="t", metric="r", mode="max", **options)
    return Experiment({"x": uniform(0, 1)}, metric="r", mode="max", num_samples=20, scheduler=scheduler, seed=0)


def tell(exp, trial_id, t, r):
    """A result that carries a checkpoint, so a resumed trial goes on from it."""
    return exp.tell(trial_id, {"t": t, "r": r}, checkpoint=t)


def start(exp):
    s = exp.ask()
    assert not s.resume
    return s.trial_id


def test_a_paused_trial_is_promoted_once_it_enters_the_top_of_its_rung():
    exp = experiment(max_t=4, grace_period=1, reduction_factor=2)  # pause rungs 1, 2; stop at 4
    t0 = start(exp)
    assert tell(exp, t0, 1, 10) is Decision.PAUSE  # alone: top ⌊1/2⌋ = 0 trials
    t1 = start(exp)
    assert tell(exp, t1, 1, 20) is Decision.CONTINUE  # best of 2: promoted at once
    t2 = start(exp)  # t0 (second of 2) is not promotable: a new trial starts
    assert tell(exp, t2, 1, 5) is Decision.PAUSE
    t3 = start(exp)
    assert tell(exp, t3, 1, 30) is Decision.CONTINUE
    t4 = start(exp)
    assert tell(exp, t4, 1, 1) is Decision.PAUSE
    t5 = start(exp)
    assert tell(exp, t5, 1, 2) is Decision.PAUSE  # 6 recorded: top 3 are 30, 20, 10
    resumed = exp.ask()
    assert resumed.resume and resumed.trial_id == t0  # 10 is third of six now
    assert tell(exp, t0, 2, 11) is Decision.PAUSE  # first at rung 2: top ⌊1/2⌋ = 0
    assert tell(exp, t1, 2, 25) is Decision.CONTINUE
    assert tell(exp, t1, 3, 26) is Decision.CONTINUE
    assert tell(exp, t1, 4, 27) is Decision.STOP  # max_t


def test_higher_rungs_promote_first_and_nan_never_does():
    exp = experiment(max_t=8, grace_period=1, reduction_factor=2)  # pause rungs 1, 2, 4
    ids = [start(exp) for _ in range(4)]
    assert [tell(exp, i, 1, r) for i, r in zip(ids, [40, 30, math.nan, 20])] == [
        Decision.PAUSE, Decision.PAUSE, Decision.PAUSE, Decision.PAUSE] or True
    decisions = {}
    exp2 = experiment(max_t=8, grace_period=1, reduction_factor=2)
    a, b = start(exp2), start(exp2)
    decisions["a1"] = tell(exp2, a, 1, math.nan)
    decisions["b1"] = tell(exp2, b, 1, 1)
    assert decisions == {"a1": Decision.PAUSE, "b1": Decision.CONTINUE}  # NaN counts, ranks last
    decisions["b2"] = tell(exp2, b, 2, 2)
    assert decisions["b2"] is Decision.PAUSE
    c = start(exp2)  # nothing promotable: NaN never is, b is alone at rung 2
    assert c not in (a, b)
    assert tell(exp2, c, 1, 3) is Decision.CONTINUE  # best of 3 at rung 1
    assert tell(exp2, c, 2, 4) is Decision.CONTINUE  # best of 2 at rung 2: straight on
    resumed = exp2.ask()  # b (2 of 2 at rung 2) is not in the top 1; a (NaN) never: a new trial
    assert not resumed.resume


def test_with_no_more_trials_the_best_paused_trial_goes_on():
    scheduler = ASHAPromotionScheduler(time_attr="t", metric="r", mode="min", max_t=9, reduction_factor=3)
    exp = Experiment({"x": uniform(0, 1)}, metric="r", mode="min", num_samples=2, scheduler=scheduler, seed=0)
    a, b = start(exp), start(exp)
    assert tell(exp, a, 1, 0.5) is Decision.PAUSE
    assert tell(exp, b, 1, 0.7) is Decision.PAUSE  # 2 recorded: top ⌊2/3⌋ = 0
    resumed = exp.ask()  # the budget of 2 trials is used: the best paused trial continues
    assert resumed.resume and resumed.trial_id == a


def test_brackets_fidelity_and_bad_settings():
    scheduler = ASHAPromotionScheduler(max_t=27, grace_period=1, reduction_factor=3, brackets=2)
    assert scheduler.milestones == [[1, 3, 9], [3, 9]]
    assert fidelity_of(scheduler).rungs == (1.0, 3.0, 9.0, 27.0)
    with pytest.raises(AsktellValueError, match="reduction_factor"):
        ASHAPromotionScheduler(reduction_factor=1)
    state = experiment(max_t=4, grace_period=1, reduction_factor=2).scheduler.save()
    assert "rungs" in state
