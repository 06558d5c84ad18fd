"""Searcher wrappers (scenarios 21-22) and the shared Searcher contract for every searcher in the core."""
from __future__ import annotations

import math

import pytest

from hpo_core import (
    AsktellTypeError,
    AsktellValueError,
    BasicVariantGenerator,
    ConcurrencyLimiter,
    Experiment,
    Repeater,
    Searcher,
    TrialScheduler,
    uniform,
)
from hpo_core.searchers import TRIAL_INDEX
from hpo_core.testing import SEARCHER_CHECKS, SearcherCase

# --- the shared contract: one line per searcher ----------------------------------------------------------------
CASES = [
    SearcherCase("basic_variant", lambda: BasicVariantGenerator()),
    SearcherCase("basic_variant_own_seed", lambda: BasicVariantGenerator(random_state=3), follows_experiment_seed=False),
    SearcherCase("basic_variant_points", lambda: BasicVariantGenerator(points_to_evaluate=[{"layers": 2}])),
    SearcherCase("concurrency_limiter", lambda: ConcurrencyLimiter(BasicVariantGenerator(), max_concurrent=2)),
    SearcherCase("limiter_batch", lambda: ConcurrencyLimiter(BasicVariantGenerator(), max_concurrent=2, batch=True)),
    SearcherCase("repeater", lambda: Repeater(BasicVariantGenerator(), repeat=2)),
    SearcherCase("limited_repeater", lambda: ConcurrencyLimiter(Repeater(BasicVariantGenerator(), repeat=3), 2)),
]


@pytest.mark.parametrize("check", SEARCHER_CHECKS, ids=lambda c: c.__name__.removeprefix("check_"))
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_searcher_contract(case, check):
    check(case)


# --- a real searcher that records what it hears ----------------------------------------------------------------
class Recording(BasicVariantGenerator):
    """BasicVariantGenerator that logs its suggestions and the completions it is told about."""

    def __init__(self, log: list, **kwargs):
        super().__init__(**kwargs)
        self.log = log

    def suggest(self, trial_id):
        config = super().suggest(trial_id)
        self.log.append(("suggest", trial_id))
        return config

    def on_trial_complete(self, trial_id, result=None, error=False, pruned=False):
        self.log.append(("complete", trial_id, None if result is None else result.get("r"), error))
        super().on_trial_complete(trial_id, result, error, pruned)


SPACE = {"x": uniform(0, 1)}


def _experiment(searcher, num_samples=6, **kwargs):
    return Experiment(SPACE, metric="r", mode="max", num_samples=num_samples, search_alg=searcher, seed=0, **kwargs)


def _finish(exp, trial_id, r):
    exp.tell(trial_id, {"t": 1, "r": r})
    exp.complete(trial_id)


# --- scenario 21: ConcurrencyLimiter --------------------------------------------------------------------------
def test_limiter_third_ask_waits_until_a_trial_completes():
    log = []
    exp = _experiment(ConcurrencyLimiter(Recording(log), max_concurrent=2))
    first, second = exp.ask(), exp.ask()
    assert first is not None and second is not None
    assert exp.ask() is None
    assert exp.ask() is None
    exp.tell(first.trial_id, {"t": 1, "r": 1.0})
    assert exp.ask() is None  # a result is not a completion
    exp.complete(first.trial_id)
    third = exp.ask()
    assert third is not None and third.trial_id not in (first.trial_id, second.trial_id)
    assert exp.ask() is None
    assert log == [("suggest", "00000"), ("suggest", "00001"), ("complete", "00000", 1.0, False), ("suggest", "00002")]


def test_limiter_batch_tells_inner_only_after_whole_batch():
    log = []
    exp = _experiment(ConcurrencyLimiter(Recording(log), max_concurrent=2, batch=True))
    a, b = exp.ask(), exp.ask()
    _finish(exp, a.trial_id, 1.0)
    assert exp.ask() is None  # the batch is still open
    assert log == [("suggest", "00000"), ("suggest", "00001")]
    _finish(exp, b.trial_id, 2.0)
    assert log[2:] == [("complete", "00000", 1.0, False), ("complete", "00001", 2.0, False)]
    c, d = exp.ask(), exp.ask()
    assert c is not None and d is not None and exp.ask() is None


def test_limiter_batch_releases_a_short_last_batch():
    log = []
    exp = _experiment(ConcurrencyLimiter(Recording(log), max_concurrent=2, batch=True), num_samples=3)
    for _ in range(2):
        s, t = exp.ask(), exp.ask()
        _finish(exp, s.trial_id, 1.0)
        if t is not None:
            _finish(exp, t.trial_id, 2.0)
    assert exp.is_finished()
    assert [e[1] for e in log if e[0] == "complete"] == ["00000", "00001", "00002"]


def test_limiter_forwards_errors_and_ignores_unknown_trials():
    log = []
    limiter = ConcurrencyLimiter(Recording(log), max_concurrent=1)
    exp = _experiment(limiter)
    s = exp.ask()
    exp.complete(s.trial_id, error="boom")
    limiter.on_trial_complete("never-suggested", {"r": 1.0})
    assert log == [("suggest", "00000"), ("complete", "00000", None, True)]
    assert exp.ask() is not None


# --- scenario 22: Repeater -----------------------------------------------------------------------------------
def test_repeater_repeats_config_and_tells_inner_the_mean_once():
    log = []
    exp = _experiment(Repeater(Recording(log), repeat=3))
    group = [exp.ask() for _ in range(3)]
    assert [s.config[TRIAL_INDEX] for s in group] == [0, 1, 2]
    assert group[0].config["x"] == group[1].config["x"] == group[2].config["x"]
    for suggestion, r in zip(group, (1.0, 2.0, 6.0)):
        _finish(exp, suggestion.trial_id, r)
    fourth = exp.ask()
    assert fourth.config[TRIAL_INDEX] == 0 and fourth.config["x"] != group[0].config["x"]
    assert log == [("suggest", "00000"), ("complete", "00000", 3.0, False), ("suggest", "00003")]


def test_repeater_without_index_and_copies_are_independent():
    exp = _experiment(Repeater(BasicVariantGenerator(), repeat=2, set_index=False))
    a, b = exp.ask(), exp.ask()
    assert TRIAL_INDEX not in a.config and a.config == b.config
    a.config["x"] = -1.0
    assert b.config["x"] != -1.0


def test_repeater_ignores_failed_members_and_reports_error_when_all_failed():
    log = []
    exp = _experiment(Repeater(Recording(log), repeat=2), num_samples=4)
    a, b = exp.ask(), exp.ask()
    exp.complete(a.trial_id, error="crash")
    _finish(exp, b.trial_id, 5.0)
    c, d = exp.ask(), exp.ask()
    exp.complete(c.trial_id, error="crash")
    exp.complete(d.trial_id, error="crash")
    completes = [e for e in log if e[0] == "complete"]
    assert completes == [("complete", "00000", 5.0, False), ("complete", "00002", None, True)]


def test_repeater_nan_scores_are_left_out_of_the_mean():
    log = []
    exp = _experiment(Repeater(Recording(log), repeat=3))
    group = [exp.ask() for _ in range(3)]
    for suggestion, r in zip(group, (2.0, math.nan, 4.0)):
        _finish(exp, suggestion.trial_id, r)
    assert [e for e in log if e[0] == "complete"] == [("complete", "00000", 3.0, False)]


# --- forwarding ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wrap", [
    lambda s: ConcurrencyLimiter(s, max_concurrent=2),
    lambda s: Repeater(s, repeat=2),
], ids=["limiter", "repeater"])
def test_wrappers_forward_properties_and_rng(wrap):
    inner = BasicVariantGenerator()
    wrapper = wrap(inner)
    exp = _experiment(wrapper)
    assert (inner.metric, inner.mode, inner.space) == ("r", "max", exp.space)
    assert (wrapper.metric, wrapper.mode) == ("r", "max")
    configs = [exp.ask().config["x"] for _ in range(2)]
    plain = _experiment(wrap(BasicVariantGenerator()))
    assert [plain.ask().config["x"] for _ in range(2)] == configs  # the inner draws from the experiment's rng


def test_wrapper_takes_metric_from_inner_searcher():
    class Own(BasicVariantGenerator):
        def __init__(self):
            super().__init__()
            self.metric, self.mode = "acc", "max"

    exp = Experiment(SPACE, search_alg=Repeater(Own(), repeat=2), seed=0)
    assert (exp.metric, exp.mode) == ("acc", "max")
    with pytest.raises(AsktellValueError, match="metric"):
        Experiment(SPACE, metric="loss", mode="min", search_alg=ConcurrencyLimiter(Own(), 1))


def test_wrappers_report_model_based_of_inner():
    class ModelBased(BasicVariantGenerator):
        model_based = True

    class RefusesModelBased(TrialScheduler):
        refuses_model_based_searchers = True

    assert ConcurrencyLimiter(ModelBased(), 1).model_based and Repeater(ModelBased()).model_based
    assert not ConcurrencyLimiter(BasicVariantGenerator(), 1).model_based
    with pytest.raises(AsktellValueError, match="ModelBased|model-based"):
        Experiment(SPACE, metric="r", mode="max", scheduler=RefusesModelBased(),
                   search_alg=Repeater(ConcurrencyLimiter(ModelBased(), 1)))


@pytest.mark.parametrize("make, message", [
    (lambda: ConcurrencyLimiter(BasicVariantGenerator(), max_concurrent=0), "max_concurrent.*0"),
    (lambda: ConcurrencyLimiter(BasicVariantGenerator(), max_concurrent=1.5), "max_concurrent.*1.5"),
    (lambda: Repeater(BasicVariantGenerator(), repeat=0), "repeat.*0"),
    (lambda: Repeater(BasicVariantGenerator(), repeat=True), "repeat.*True"),
])
def test_wrapper_arguments_validated(make, message):
    with pytest.raises(AsktellValueError, match=message):
        make()


def test_wrapper_needs_a_searcher():
    with pytest.raises(AsktellTypeError, match="Searcher.*'nope'"):
        ConcurrencyLimiter("nope", max_concurrent=1)
    assert isinstance(Repeater(BasicVariantGenerator()), Searcher)
