"""Multi-objective schedulers (MO-ASHA, MO-HyperBand) as decision sequences, and the refusal of several metrics by
single-objective schedulers and searchers."""
from __future__ import annotations

import doctest

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hpo_core.objectives
import hpo_core.pareto
from hpo_core import BasicVariantGenerator, ConcurrencyLimiter, Decision, Experiment, Repeater, uniform
from hpo_core.errors import AsktellValueError
from hpo_core.schedulers import (
    AsyncHyperBandScheduler,
    FIFOScheduler,
    HyperBandScheduler,
    MedianStoppingRule,
    MOASHAScheduler,
    MOHyperBandScheduler,
    PopulationBasedTraining,
    mo_asha,
    mo_hyperband,
)
from hpo_core.schedulers.multi_objective import best_first, in_top_share
from hpo_core.searchers import Searcher

OBJECTIVES = {"metric": ["loss", "size"], "mode": ["min", "min"]}


def experiment(scheduler, num_samples=10, **objectives):
    return Experiment({"x": uniform(0, 1)}, scheduler=scheduler, num_samples=num_samples, seed=0,
                      **(objectives or OBJECTIVES))


def tell_all(exp, vectors, t=1):
    """Start one trial per (loss, size) vector and tell it at time t; the decisions in order."""
    decisions = []
    for loss, size in vectors:
        s = exp.ask()
        decisions.append(exp.tell(s.trial_id, {"training_iteration": t, "loss": loss, "size": size}))
    return decisions


def test_mo_asha_keeps_the_best_share_by_non_dominated_rank():
    exp = experiment(MOASHAScheduler(max_t=8, grace_period=1, reduction_factor=2))
    # A first: goes on. B dominated by A: rank 1 of 2. C trades off with A (both on front 0, keep 1 of 3): the tie
    # goes to the earlier trial by crowding (both extremes). D dominates everyone: first of 4, keep 2.
    # E is on front 1 behind D only... keep 2 of 5: fronts D | A, C | B, E -> E is 4th.
    assert tell_all(exp, [(1.0, 1.0), (2.0, 2.0), (0.5, 3.0), (0.4, 0.4), (1.5, 1.5)]) == [
        Decision.CONTINUE, Decision.STOP, Decision.STOP, Decision.CONTINUE, Decision.STOP]


def test_mo_asha_orients_max_objectives_and_ranks_nan_last():
    exp = experiment(MOASHAScheduler(max_t=8, grace_period=1, reduction_factor=2), metric=["acc", "size"],
                     mode=["max", "min"])
    told = []
    for acc, size in [(0.9, 1.0), (0.8, 2.0), (float("nan"), 0.0), (0.95, 0.5)]:
        s = exp.ask()
        told.append(exp.tell(s.trial_id, {"training_iteration": 1, "acc": acc, "size": size}))
    assert told == [Decision.CONTINUE, Decision.STOP, Decision.STOP, Decision.CONTINUE]


def test_mo_asha_judges_once_per_rung_and_stops_at_max_t():
    exp = experiment(MOASHAScheduler(max_t=4, grace_period=1, reduction_factor=2), num_samples=1)
    s = exp.ask()
    told = [exp.tell(s.trial_id, {"training_iteration": t, "loss": 1.0, "size": 1.0}) for t in (1, 2, 3, 4)]
    assert told == [Decision.CONTINUE] * 3 + [Decision.STOP]
    assert [list(rung) for rung in exp.scheduler.recorded[0]] == [[s.trial_id]] * 3  # rungs 1, 2, 4


def test_mo_asha_with_one_metric_promotes_the_top_share():
    exp = experiment(MOASHAScheduler(max_t=9, grace_period=1, reduction_factor=3), num_samples=9,
                     metric="loss", mode="min")
    told = []
    for loss in [5, 4, 3, 6, 2, 7, 8, 1, 9]:
        s = exp.ask()
        told.append(exp.tell(s.trial_id, {"training_iteration": 1, "loss": float(loss)}))
    # keep max(1, floor(n/3)) of the n recorded so far: goes on when its rank among them is within that share
    assert [d is Decision.CONTINUE for d in told] == [True, True, True, False, True, False, False, True, False]


def test_mo_hyperband_halves_a_full_bracket_by_fronts():
    scheduler = MOHyperBandScheduler(max_t=4, reduction_factor=2)  # brackets (n, r): (3, 4), (3, 2), (4, 1)
    exp = experiment(scheduler, num_samples=10)
    for _ in range(6):  # fill the first two brackets; their trials run on to their milestones
        exp.tell(exp.ask().trial_id, {"training_iteration": 1, "loss": 9.0, "size": 9.0})
    vectors = [(3.0, 3.0), (1.0, 4.0), (2.0, 2.0), (4.0, 1.0)]  # fronts: 2nd, 3rd, 4th | 1st
    ids = [exp.ask().trial_id for _ in vectors]
    told = [exp.tell(i, {"training_iteration": 1, "loss": a, "size": b}) for i, (a, b) in zip(ids, vectors)]
    assert told == [Decision.PAUSE] * 3 + [Decision.CONTINUE]  # the last to arrive is among the best 2
    kept = {exp.ask().trial_id}  # the other survivor resumes
    # front 0 is {1, 2, 3}; crowding: 1 and 3 are extremes (inf), 2 in between: 1 and 3 go on
    assert kept == {ids[1]} and exp.trials[ids[0]].status.name == "TERMINATED"
    assert exp.trials[ids[2]].status.name == "TERMINATED"


@pytest.mark.parametrize("scheduler", [
    AsyncHyperBandScheduler(), HyperBandScheduler(), MedianStoppingRule(),
    PopulationBasedTraining(hyperparam_mutations={"x": uniform(0, 1)}),
])
def test_single_objective_schedulers_refuse_several_metrics(scheduler):
    with pytest.raises(AsktellValueError) as info:
        experiment(scheduler)
    message = str(info.value)
    assert type(scheduler).__name__ in message and "['loss', 'size']" in message
    assert "MOASHAScheduler" in message and "MOHyperBandScheduler" in message


def test_a_single_objective_scheduler_may_follow_one_of_the_metrics():
    exp = experiment(AsyncHyperBandScheduler(metric="size", max_t=4, grace_period=1, reduction_factor=2))
    assert (exp.scheduler.metric, exp.scheduler.mode) == ("size", "min")
    assert tell_all(exp, [(1.0, 2.0), (0.0, 3.0)]) == [Decision.CONTINUE, Decision.STOP]  # ranked by size alone
    with pytest.raises(AsktellValueError, match="mode='max'"):
        experiment(AsyncHyperBandScheduler(metric="size", mode="max"))


def test_random_search_wrappers_and_fifo_take_several_metrics():
    limited = ConcurrencyLimiter(Repeater(BasicVariantGenerator(), repeat=1), max_concurrent=2)
    exp = Experiment({"x": uniform(0, 1)}, search_alg=limited, scheduler=FIFOScheduler(), num_samples=3, seed=0,
                     metric=["loss", "size"], mode=["min", "max"])
    assert exp.metrics == ["loss", "size"] and limited.metric == ["loss", "size"]
    assert tell_all(exp, [(1.0, 1.0)]) == [Decision.CONTINUE]
    with pytest.raises(AsktellValueError, match="'size'"):
        exp.tell(exp.ask().trial_id, {"loss": 1.0})


def test_model_based_single_objective_searcher_refuses_several_metrics():
    class Guided(Searcher):
        model_based = True

        def suggest(self, trial_id):
            return {"x": 0.5}

    with pytest.raises(AsktellValueError, match="Guided optimises one metric.*ScalarizedSearch"):
        experiment(None, search_alg=Guided(), **OBJECTIVES)


def test_several_metrics_are_checked_where_they_enter():
    with pytest.raises(AsktellValueError, match="same length"):
        experiment(None, metric=["a", "b"], mode=["min"])
    with pytest.raises(AsktellValueError, match="'min' or 'max'"):
        experiment(None, metric=["a", "b"], mode=["min", "up"])
    with pytest.raises(AsktellValueError, match="each objective once"):
        experiment(None, metric=["a", "a"], mode=["min", "min"])


@pytest.mark.parametrize("module", [hpo_core.pareto, hpo_core.objectives, mo_asha, mo_hyperband])
def test_docstring_examples_run(module):
    assert doctest.testmod(module).failed == 0


def test_analysis_pareto_front_best_trials_and_dataframe():
    exp = experiment(None, num_samples=5)
    for loss, size in [(1.0, 4.0), (2.0, 2.0), (3.0, 3.0), (4.0, 1.0), (float("nan"), 0.0)]:
        s = exp.ask()
        exp.tell(s.trial_id, {"loss": loss, "size": size})
        exp.complete(s.trial_id)
    analysis = exp.analysis()
    assert [t.trial_id for t in analysis.best_trials] == ["00000", "00001", "00003"]
    assert [t.trial_id for t in analysis.pareto_front(["loss", "size"], ["max", "min"])] == ["00003"]
    assert [t.trial_id for t in analysis.pareto_front(["loss"], ["min"])] == ["00000"]
    assert analysis.hypervolume(reference=[5.0, 5.0]) == pytest.approx(1 * 1 + 2 * 3 + 1 * 4)
    frame = analysis.dataframe()
    assert frame["pareto_front"].tolist() == [True, True, False, True, False]
    with pytest.raises(AsktellValueError, match="several objectives"):
        _ = analysis.best_config
    assert analysis.get_best_trial("size").trial_id == "00004"  # its mode (min) comes from the objectives
    assert analysis.get_best_trial("loss", "max", scope="all").trial_id == "00003"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=30),
       st.sampled_from([2, 3, 4]))
def test_mo_asha_promotion_matches_the_full_best_first_order(vectors, reduction_factor):
    *earlier, vector = [tuple(map(float, v)) for v in vectors]
    keep = max(1, (len(earlier) + 1) // reduction_factor)
    expected = best_first([*earlier, vector]).index(len(earlier)) < keep
    assert in_top_share(earlier, vector, reduction_factor) is expected
