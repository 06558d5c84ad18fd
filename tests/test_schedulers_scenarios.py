"""Scenarios 1-20 of scheduler_scenarios.md, driven only through Experiment.ask/tell/complete.

Conventions: scheduler time_attr="t", metric="r", mode="max"; `(t, r)` is the result {"t": t, "r": r}. Where the
scenario has one trial report again after STOP (Ray Tune's tests call the scheduler directly), a finished trial takes
no more results here, so a fresh trial makes that report.
"""
from __future__ import annotations

import math

import pytest

from hpo_core import AsktellTypeError, AsktellValueError, Decision, Experiment, TrialStatus, choice, uniform
from hpo_core.schedulers import (
    AsyncHyperBandScheduler,
    HyperBandScheduler,
    MedianStoppingRule,
    PopulationBasedTraining,
)
from hpo_core.stoppers import (
    CombinedStopper,
    ExperimentPlateauStopper,
    MaximumIterationStopper,
    TimeoutStopper,
    TrialPlateauStopper,
)

C, P, S = Decision.CONTINUE, Decision.PAUSE, Decision.STOP
KW = {"time_attr": "t", "metric": "r", "mode": "max"}


def experiment(scheduler=None, num_samples=20, *, seed=0, stop=None, space=None):
    return Experiment(space or {"x": uniform(0, 1)}, scheduler=scheduler, num_samples=num_samples, seed=seed,
                      stop=stop)


def new(exp, count=1):
    ids = []
    for _ in range(count):
        suggestion = exp.ask()
        assert suggestion is not None and not suggestion.resume
        ids.append(suggestion.trial_id)
    return ids if count > 1 else ids[0]


def tell(exp, trial_id, t, r, checkpoint=None):
    return exp.tell(trial_id, {"t": t, "r": r}, checkpoint=checkpoint)


def basic_setup(exp):
    t1, t2 = new(exp, 2)
    assert [tell(exp, t1, i, 100 * i) for i in range(10)] == [C] * 10
    assert [tell(exp, t2, i, 450) for i in range(5)] == [C] * 5
    return t1, t2


def complete_with(exp, trial_id, t, r):
    tell(exp, trial_id, t, r)
    exp.complete(trial_id)
    assert exp.trials[trial_id].status is TrialStatus.TERMINATED


# --- MedianStoppingRule ------------------------------------------------------------------------------------------
def median(**kw):
    return MedianStoppingRule(**KW, **{"grace_period": 0, "min_samples_required": 1, **kw})


def median_two_completed(num_samples=20, **kw):
    exp = experiment(median(**kw), num_samples=num_samples)
    t1, t2 = basic_setup(exp)
    complete_with(exp, t1, 10, 1000)
    complete_with(exp, t2, 10, 1000)
    return exp, new(exp)


def test_1_median_compares_running_means():
    exp = experiment(median())
    t1, t2 = basic_setup(exp)
    complete_with(exp, t1, 10, 1000)
    assert [tell(exp, t2, 5, 450), tell(exp, t2, 6, 0), tell(exp, t2, 10, 450)] == [C, C, S]
    assert exp.trials[t2].status is TrialStatus.TERMINATED


def test_2_median_of_two_completed_trials():
    exp, t3 = median_two_completed()
    assert tell(exp, t3, 1, 260) is C  # median of 50 and 450 is 250
    assert tell(exp, t3, 2, 260) is S  # median of 100 and 450 is 275


def test_3_median_grace_period():
    exp, t3 = median_two_completed(grace_period=2.5)
    assert [tell(exp, t3, t, 10) for t in (1, 2, 3)] == [C, C, S]


def test_4_median_min_samples_required():
    exp = experiment(median(min_samples_required=2))
    t1, t2 = basic_setup(exp)
    complete_with(exp, t1, 10, 1000)
    t3 = new(exp)
    assert tell(exp, t3, 5, 10) is C  # only trial 1 reached t=5
    complete_with(exp, t2, 5, 1000)
    assert tell(exp, t3, 5, 10) is S


def test_5_median_soft_stop_pauses():
    exp, t3 = median_two_completed(hard_stop=False)
    assert [tell(exp, t3, 1, 260), tell(exp, t3, 2, 260)] == [C, P]
    assert exp.trials[t3].status is TrialStatus.PAUSED


def test_median_soft_stopped_trial_resumes_once_no_new_trial_comes():
    exp, t3 = median_two_completed(num_samples=3, hard_stop=False)
    assert [tell(exp, t3, 1, 260), tell(exp, t3, 2, 260)] == [C, P]
    resumed = exp.ask()
    assert resumed.trial_id == t3 and resumed.resume


# --- ASHA --------------------------------------------------------------------------------------------------------
def asha(**kw):
    return AsyncHyperBandScheduler(**KW, **kw)


def asha_two_completed(**kw):
    exp = experiment(asha(**kw))
    t1, t2 = basic_setup(exp)
    complete_with(exp, t1, 10, 1000)
    complete_with(exp, t2, 10, 1000)
    return exp


def test_6_asha_cutoff_is_interpolated_quantile():
    exp = asha_two_completed(grace_period=1, max_t=10, reduction_factor=2, brackets=1)
    assert asha(grace_period=1, max_t=10, reduction_factor=2).brackets == [[1, 2, 4, 8]]
    assert tell(exp, new(exp), 1, 260) is S  # rung 1 holds 100, 450: cutoff 275
    assert tell(exp, new(exp), 2, 260) is S  # rung 2 holds 200, 450: cutoff 325


def test_7_asha_fractional_grace_period():
    exp = asha_two_completed(grace_period=2.5, reduction_factor=3)
    assert exp.scheduler.brackets[0][:3] == [2.5, 7.5, 22.5]
    t3 = new(exp)
    assert [tell(exp, t3, t, 10) for t in (1, 2, 3)] == [C, C, S]


def test_8_asha_max_t_stops_every_bracket():
    exp = experiment(asha(max_t=10, brackets=10))
    trials = new(exp, 10)
    assert [tell(exp, t, 10, -2) for t in trials] == [S] * 10


def test_9_asha_nan_never_enters_a_cutoff():
    exp = experiment(asha(grace_period=1, max_t=10, reduction_factor=2))
    t1, t2 = new(exp, 2)
    for t in range(10):
        tell(exp, t1, t, 450.0)
    complete_with(exp, t1, 10, 450.0)
    # NaN is the worst value: the NaN trial itself is stopped at its first rung (docs/schedulers.md) ...
    assert [tell(exp, t2, t, math.nan) for t in range(2)] == [C, S]
    # ... and the cutoff the others face is unchanged
    assert tell(exp, new(exp), 1, 260) is S  # cutoff 450, not NaN
    assert tell(exp, new(exp), 2, 260) is S


def test_10_asha_stop_last_trials_false_lets_survivors_run_on():
    exp = experiment(asha(max_t=3, reduction_factor=2, stop_last_trials=False))
    trials = new(exp, 4)
    assert [tell(exp, t, 2, r) for t, r in zip(trials, (10, 8, 6, 4))] == [C, S, S, S]
    assert [tell(exp, trials[0], t, r) for t, r in ((4, 10), (8, 10), (14, 1))] == [C, C, C]


def test_11_asha_decisions_survive_save_restore():
    exp = experiment(asha(), num_samples=11)
    trials = new(exp, 10)
    assert [tell(exp, t, 1, 10) for t in trials[:5]] == [C] * 5
    assert tell(exp, trials[5], 1, 5) is S
    state = exp.scheduler.save()
    exp.scheduler = asha()
    exp.scheduler.restore(state)
    assert tell(exp, trials[6], 1, 4) is S
    assert tell(exp, new(exp), 1, 2) is S  # a trial added after the restore


def test_asha_rung_milestones():
    assert asha().brackets == [[1, 4, 16, 64]]
    assert asha(brackets=3).brackets == [[1, 4, 16, 64], [4, 16, 64], [16, 64]]


# --- HyperBand ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("max_t", "eta", "sizes"), [
    (81, 3, [(5, 81), (8, 27), (15, 9), (34, 3), (81, 1)]),
    (1000, 10, [(4, 1000), (20, 100), (134, 10), (1000, 1)]),
    (8, 2, [(4, 8), (4, 4), (6, 2), (8, 1)]),
])
def test_12_hyperband_bracket_sizes(max_t, eta, sizes):
    scheduler = HyperBandScheduler(**KW, max_t=max_t, reduction_factor=eta)
    assert [scheduler.bracket_size(s) for s in range(scheduler.s_max_1)] == sizes
    band = sum(n for n, _ in sizes)
    exp = experiment(scheduler, num_samples=band + 1)
    new(exp, band + 1)
    # one band holds exactly `band` trials: the next one opens the first bracket of a new band
    assert [(b.n, b.r) for b in scheduler.brackets] == [*sizes, sizes[0]]


def run_bracket(exp, bracket, milestones):
    """Run `bracket`'s trials one at a time (score = position in the bracket); decisions at each milestone."""
    score = {t: float(i) for i, t in enumerate(bracket)}
    at = {t: 0 for t in bracket}
    arrivals: dict[int, list[Decision]] = {}
    queue, held = list(bracket), []  # a trial that continues at a milestone runs on after the resumed ones
    while queue:
        trial_id = queue.pop(0)
        while True:
            at[trial_id] += 1
            decision = tell(exp, trial_id, at[trial_id], score[trial_id])
            if at[trial_id] in milestones:
                arrivals.setdefault(at[trial_id], []).append(decision)
                if decision is C:
                    held.append(trial_id)
            if decision is not C or trial_id in held:
                break
        if not queue:
            while (suggestion := exp.ask()) is not None:
                assert suggestion.resume and suggestion.trial_id in bracket
                queue.append(suggestion.trial_id)
            queue, held = queue + held, []
    assert max(at, key=at.get) == bracket[-1]  # the best trial ran longest
    return arrivals


def test_12_hyperband_last_bracket_halves_81_to_1():
    exp = experiment(HyperBandScheduler(**KW), num_samples=143)
    trials = new(exp, 143)
    bracket = trials[62:]  # 5 + 8 + 15 + 34 trials fill the first four brackets
    arrivals = run_bracket(exp, bracket, (1, 3, 9, 27, 81))
    for milestone, count in ((1, 81), (3, 27), (9, 9), (27, 3)):
        assert arrivals[milestone] == [P] * (count - 1) + [C]
    assert arrivals[81] == [S]
    assert sum(exp.trials[t].status is TrialStatus.TERMINATED for t in bracket) == 81


def test_hyperband_last_stage_runs_to_max_t_when_it_is_no_power_of_eta():
    scheduler = HyperBandScheduler(**KW, max_t=10, reduction_factor=3)
    assert [scheduler.bracket_size(s) for s in range(scheduler.s_max_1)] == [(3, 10), (5, 3), (9, 1)]
    exp = experiment(scheduler, num_samples=17)
    trials = new(exp, 17)
    arrivals = run_bracket(exp, trials[8:], (1, 3, 9, 10))
    assert arrivals == {1: [P] * 8 + [C], 3: [P, P, C], 9: [C], 10: [S]}  # 1 -> 3 -> 10, not 9


def test_13_hyperband_pause_then_stop_losers_and_resume_winners():
    exp = experiment(HyperBandScheduler(**KW, max_t=8, reduction_factor=2), num_samples=8)
    trials = new(exp, 8)
    assert [tell(exp, t, 4, 1) for t in trials[:4]] == [C] * 4
    assert [tell(exp, t, 4, r) for t, r in zip(trials[4:], (10, 20, 30, 40))] == [P, P, P, C]
    assert [exp.trials[t].status for t in trials[4:6]] == [TrialStatus.TERMINATED] * 2
    resumed = exp.ask()
    assert resumed.resume and resumed.trial_id == trials[6]
    assert exp.ask() is None
    for trial_id in (trials[7], trials[6], *trials[:4]):
        assert [tell(exp, trial_id, t, 1) for t in (5, 6, 7, 8)] == [C, C, C, S]
    assert exp.is_finished()


def test_14_failed_trial_frees_its_bracket():
    exp = experiment(HyperBandScheduler(**KW), num_samples=8)
    trials = new(exp, 8)
    first, second, third = trials[5:]  # bracket s=1 holds these three of its eight slots
    exp.complete(third, error="Traceback: boom")
    assert tell(exp, first, 27, 10) is P
    assert tell(exp, second, 27, 10) is C
    assert exp.ask().trial_id == first


# --- PBT ---------------------------------------------------------------------------------------------------------
def pbt_population(seed=0, *, space=None, **kw):
    options = {"perturbation_interval": 10, "quantile_fraction": 0.25,
               "hyperparam_mutations": {"x": uniform(0, 1)}, **kw}
    exp = experiment(PopulationBasedTraining(**KW, **options), num_samples=5, seed=seed, space=space)
    trials = new(exp, 5)
    for i, trial_id in enumerate(trials):
        assert tell(exp, trial_id, 10, 50 * i, checkpoint={"from": trial_id}) is C
    return exp, trials


def exploit(exp, trial_id, t=20):
    assert tell(exp, trial_id, t, -100, checkpoint={"from": trial_id}) is P
    return exp.ask()


def test_15_pbt_bottom_trial_exploits_a_top_trial():
    donors = set()
    for seed in range(12):
        exp, trials = pbt_population(seed)
        suggestion = exploit(exp, trials[0])
        assert suggestion.trial_id == trials[0] and suggestion.resume
        record = exp.trials[trials[0]].exploits[-1]
        assert record["donor"] in trials[3:]
        assert suggestion.checkpoint == {"from": record["donor"]}
        assert suggestion.config == record["new_config"] != record["old_config"]
        donors.add(record["donor"])
    assert donors == set(trials[3:])


def explored(value, mutation, seeds=range(30), p=0.0):
    space = {"x": uniform(0, 1), "v": value}
    seen = []
    for seed in seeds:
        exp, trials = pbt_population(seed, space=space, hyperparam_mutations={"v": mutation}, resample_probability=p)
        seen.append(exploit(exp, trials[0]).config["v"])
    return seen


def test_16_pbt_explore_operations():
    assert sorted({round(v, 9) for v in explored(2.0, uniform(0, 10))}) == [1.6, 2.4]
    ints = explored(10, uniform(0, 100))
    assert set(ints) == {8, 12} and all(type(v) is int for v in ints)
    options = [3, 4, 8, 10]
    assert set(explored(4, options)) == {3, 8}
    assert set(explored(3, options)) == {3, 4}
    assert set(explored(10, options)) == {8, 10}
    outside = explored(5, options)
    assert set(outside) <= set(options) and len(set(outside)) >= 3
    assert set(explored(4, choice(options))) == {3, 8}
    resampled = explored(2.0, uniform(100, 200), seeds=range(6), p=1.0)
    assert all(100 <= v <= 200 for v in resampled) and len(set(resampled)) == 6


def test_17_exploit_inherits_donor_perturbation_time():
    exp = experiment(PopulationBasedTraining(**KW, perturbation_interval=100,
                                             hyperparam_mutations={"x": uniform(0, 1)}), num_samples=5)
    trials = new(exp, 5)
    for i, trial_id in enumerate(trials[1:], start=1):
        assert tell(exp, trial_id, 10000, 100 * i, checkpoint=i) is C
    assert exploit(exp, trials[0], t=500).trial_id == trials[0]
    assert tell(exp, trials[0], 600, -100, checkpoint=0) is C  # 600 - 10000 < 100: no perturbation
    assert exploit(exp, trials[0], t=11000).trial_id == trials[0]  # perturbs (and is exploited again)
    assert len(exp.trials[trials[0]].exploits) == 2


def test_pbt_synch_waits_for_the_population_then_perturbs_all():
    exp = experiment(PopulationBasedTraining(**KW, perturbation_interval=10, synch=True,
                                             hyperparam_mutations={"x": uniform(0, 1)}), num_samples=4)
    trials = new(exp, 4)
    decisions = [tell(exp, t, 10, 10 * (i + 1), checkpoint=i) for i, t in enumerate(trials)]
    assert decisions == [P, P, P, P]  # the last to arrive perturbs everyone and waits too (Ray Tune; issue 13)
    first = exp.ask()
    assert first.trial_id == trials[0] and first.checkpoint == 3  # the bottom trial exploits the top one
    others = {exp.ask().trial_id for _ in range(3)}
    assert others == {trials[1], trials[2], trials[3]}  # the others resume as they were
    assert exp.ask() is None
    assert [tell(exp, t, 15, 1, checkpoint=0) for t in trials] == [C] * 4  # before the next sync point


def test_pbt_without_checkpoint_says_how_to_fix():
    exp = experiment(PopulationBasedTraining(**KW, perturbation_interval=10,
                                             hyperparam_mutations={"x": uniform(0, 1)}), num_samples=4)
    trials = new(exp, 4)
    for i, trial_id in enumerate(trials[1:], start=1):
        tell(exp, trial_id, 10, 10 * i)
    with pytest.raises(ValueError, match="checkpoint"):
        tell(exp, trials[0], 10, -5)
    with pytest.raises(ValueError, match="checkpoint"):  # and again from ask(), which a driver does not catch
        exp.ask()


# --- stoppers ----------------------------------------------------------------------------------------------------
def test_18_timeout_stopper_with_injected_clock():
    now = [0.0]
    exp = experiment(stop=TimeoutStopper(60, clock=lambda: now[0]))
    trial_id = new(exp)
    now[0] = 40
    assert tell(exp, trial_id, 1, 1) is C
    now[0] = 62
    assert tell(exp, trial_id, 2, 1) is S
    assert exp.ask() is None and exp.is_finished()


def test_19_trial_plateau_stopper():
    exp = experiment(stop=TrialPlateauStopper("r", std=0.01, num_results=4, grace_period=4))
    trial_id = new(exp)
    assert [tell(exp, trial_id, t, r) for t, r in enumerate((5, 1, 1, 1, 1))] == [C, C, C, C, S]


def test_20_maximum_iteration_stopper():
    exp = experiment(stop=MaximumIterationStopper(3))
    first, second = new(exp, 2)
    assert [tell(exp, first, t, 0) for t in range(3)] == [C, C, S]
    assert [tell(exp, second, t, 0) for t in range(3)] == [C, C, S]


# --- the other stoppers ------------------------------------------------------------------------------------------
def test_experiment_plateau_stopper_ends_the_experiment():
    exp = experiment(stop=ExperimentPlateauStopper("r", std=0.01, top=3, mode="max", patience=1), num_samples=5)
    trials = new(exp, 4)
    assert [tell(exp, t, 1, r) for t, r in zip(trials, (1.0, 5.0, 5.0, 5.0))] == [C, C, C, C]  # plateau 1st time
    assert tell(exp, trials[0], 2, 0.0) is S  # plateau for more than `patience` results: everyone stops
    assert exp.ask() is None
    assert [tell(exp, t, 2, 9.0) for t in trials[1:]] == [S, S, S]  # running trials stop at their next result
    assert exp.is_finished()


def test_combined_stopper_lets_every_stopper_see_every_result():
    plateau = TrialPlateauStopper("r", num_results=2, grace_period=2)
    exp = experiment(stop=CombinedStopper(MaximumIterationStopper(3), plateau))
    trial_id = new(exp)
    assert [tell(exp, trial_id, t, r) for t, r in ((1, 1.0), (2, 5.0), (3, 9.0))] == [C, C, S]
    assert list(plateau._values[trial_id]) == [5.0, 9.0]


@pytest.mark.parametrize(("make", "match"), [
    (lambda: MaximumIterationStopper(0), "max_iter"),
    (lambda: TrialPlateauStopper("r", num_results=0), "num_results"),
    (lambda: TrialPlateauStopper("r", metric_threshold=1.0), "metric_threshold"),
    (lambda: TimeoutStopper(-1), "timeout"),
    (lambda: ExperimentPlateauStopper("r", mode="up"), "mode"),
    (lambda: CombinedStopper(MaximumIterationStopper(2), "stop"), "Stopper"),
])
def test_stopper_arguments_are_checked(make, match):
    with pytest.raises((AsktellValueError, AsktellTypeError), match=match):
        make()
