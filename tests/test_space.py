"""Search-space primitives and `Space`: property tests (hypothesis) and the resolution rules of sample_from/grid."""
from __future__ import annotations

import math
import os
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hpo_core import (
    Experiment,
    choice,
    grid_search,
    lograndint,
    loguniform,
    qlograndint,
    qloguniform,
    qrandint,
    qrandn,
    quniform,
    randint,
    randn,
    sample_from,
    uniform,
)
from hpo_core.space import Space

# ASKTELL_HYPOTHESIS_EXAMPLES=2000 hunts harder than the CI default
PROPERTY = settings(
    max_examples=int(os.environ.get("ASKTELL_HYPOTHESIS_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SAMPLES = 30

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)
decimal_q = st.sampled_from([0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 10.0])
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def _ordered(draw, values):
    lo, hi = draw(values), draw(values)
    assume(lo < hi)
    return lo, hi


@st.composite
def float_domains(draw):
    """Every float primitive, with random bounds, q and log settings, and the bounds it was given."""
    kind = draw(st.sampled_from(["uniform", "quniform", "loguniform", "qloguniform"]))
    lo, hi = _ordered(draw, positive if "log" in kind else finite)
    if kind == "uniform":
        return uniform(lo, hi), lo, hi, None
    if kind == "loguniform":
        return loguniform(lo, hi), lo, hi, None
    q = draw(decimal_q)
    assume(math.floor(hi / q) * q >= lo and math.floor(hi / q) > 0)
    assume(math.floor(hi / q) - math.ceil(lo / q) <= 1e7)
    make = quniform if kind == "quniform" else qloguniform
    try:
        return make(lo, hi, q), lo, hi, q
    except ValueError:  # no multiple of q between the bounds after all (rounding at the edge)
        assume(False)


@st.composite
def int_domains(draw):
    """Every integer primitive; returns (domain, lowest allowed, highest allowed, q)."""
    kind = draw(st.sampled_from(["randint", "qrandint", "lograndint", "qlograndint"]))
    ints = st.integers(min_value=1 if "log" in kind else -10_000, max_value=10_000)
    lo, hi = _ordered(draw, ints)
    if kind == "randint":
        return randint(lo, hi), lo, hi - 1, 1
    if kind == "lograndint":
        return lograndint(lo, hi), lo, hi - 1, 1
    q = draw(st.integers(min_value=1, max_value=50))
    assume(math.floor(hi / q) * q >= lo and math.floor(hi / q) * q > 0)
    make = qrandint if kind == "qrandint" else qlograndint
    return make(lo, hi, q), lo, hi, q


def _is_multiple(value: float, q: float) -> bool:
    ratio = value / q
    return abs(ratio - round(ratio)) <= 1e-9 * max(1.0, abs(ratio))


# --- every sample inside its domain -------------------------------------------------------------------------
@PROPERTY
@given(float_domains(), seeds)
def test_float_samples_inside_domain_and_on_q_grid(spec, seed):
    domain, lo, hi, q = spec
    rng = np.random.default_rng(seed)
    tol = 1e-9 * max(1.0, abs(lo), abs(hi))
    for _ in range(SAMPLES):
        value = domain.sample(rng)
        assert isinstance(value, float)
        assert lo - tol <= value <= hi + tol, (value, lo, hi)
        assert domain.contains(value)
        if q is not None:
            assert _is_multiple(value, q), (value, q)


@PROPERTY
@given(int_domains(), seeds)
def test_int_samples_inside_domain_and_on_q_grid(spec, seed):
    domain, lo, hi, q = spec
    rng = np.random.default_rng(seed)
    for _ in range(SAMPLES):
        value = domain.sample(rng)
        assert isinstance(value, int) and not isinstance(value, bool)
        assert lo <= value <= hi, (value, lo, hi)
        assert value % q == 0
        assert domain.contains(value)


@PROPERTY
@given(finite, positive.filter(lambda s: s < 1e5), st.one_of(st.none(), decimal_q), seeds)
def test_normal_samples_finite_and_on_q_grid(mean, sd, q, seed):
    domain = randn(mean, sd) if q is None else qrandn(mean, sd, q)
    rng = np.random.default_rng(seed)
    for _ in range(SAMPLES):
        value = domain.sample(rng)
        assert math.isfinite(value) and domain.contains(value)
        if q is not None:
            assert _is_multiple(value, q)


@PROPERTY
@given(st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none()), min_size=1, max_size=8), seeds)
def test_choice_samples_are_categories(categories, seed):
    domain = choice(categories)
    rng = np.random.default_rng(seed)
    for _ in range(SAMPLES):
        assert domain.sample(rng) in categories
    assert not domain.contains(object())


@pytest.mark.parametrize("make", [loguniform, lambda lo, hi, base=10: qloguniform(lo, hi, 0.001, base)])
def test_log_base_is_accepted_and_does_not_change_the_distribution(make):
    natural, binary = make(1e-3, 1.0), make(1e-3, 1.0, base=2)
    rng_a, rng_b = np.random.default_rng(9), np.random.default_rng(9)
    assert [natural.sample(rng_a) for _ in range(20)] == [binary.sample(rng_b) for _ in range(20)]
    assert lograndint(1, 1000, base=2).contains(999)


def test_contains_rejects_outside_values():
    assert not uniform(0, 1).contains(1.5) and not uniform(0, 1).contains("0.5")
    assert not quniform(0, 1, 0.25).contains(0.3)
    assert not randint(0, 3).contains(3) and not randint(0, 3).contains(1.0)
    assert not qrandint(0, 10, 5).contains(7) and not qrandint(0, 10, 5).contains(True)
    assert not loguniform(1e-3, 1).contains(2.0)


# --- bounds: randint excludes its upper bound, the q forms reach theirs ------------------------------------
@PROPERTY
@given(st.integers(-50, 50), st.integers(1, 4), seeds)
def test_randint_upper_exclusive(lo, width, seed):
    rng = np.random.default_rng(seed)
    values = {randint(lo, lo + width).sample(rng) for _ in range(200)}
    assert values == set(range(lo, lo + width))


@PROPERTY
@given(st.integers(-20, 20), st.integers(1, 4), st.integers(1, 7), seeds)
def test_qrandint_upper_reachable(k, steps, q, seed):
    lo, hi = k * q, (k + steps) * q
    rng = np.random.default_rng(seed)
    values = {qrandint(lo, hi, q).sample(rng) for _ in range(300)}
    assert values == set(range(lo, hi + 1, q))


@pytest.mark.parametrize("domain, top", [
    (qrandint(0, 10, 5), 10), (qlograndint(1, 100, 5), 100), (quniform(0.3, 0.9, 0.1), 0.9),
    (qloguniform(0.1, 2.0, 0.1), 2.0), (lograndint(1, 10), 9), (randint(0, 10), 9),
])
def test_top_of_unit_interval_is_the_largest_value(domain, top):
    assert domain.from_unit(1.0) == top
    assert domain.from_unit(0.999999) == top


# --- determinism and the unit interval -----------------------------------------------------------------------
@PROPERTY
@given(st.one_of(float_domains(), int_domains()), seeds)
def test_same_seed_same_samples(spec, seed):
    domain = spec[0]
    first = [domain.sample(np.random.default_rng(seed)) for _ in range(3)]
    rng_a, rng_b = np.random.default_rng(seed), np.random.default_rng(seed)
    assert [domain.sample(rng_a) for _ in range(SAMPLES)] == [domain.sample(rng_b) for _ in range(SAMPLES)]
    assert len(set(first)) == 1


@PROPERTY
@given(st.one_of(float_domains(), int_domains()), seeds)
def test_unit_round_trip(spec, seed):
    domain, _, _, q = spec
    rng = np.random.default_rng(seed)
    for _ in range(10):
        value = domain.sample(rng)
        u = domain.to_unit(value)
        assert -1e-9 <= u <= 1 + 1e-9
        back = domain.from_unit(u)
        if isinstance(value, int) or q is not None:
            assert back == pytest.approx(value, rel=1e-9, abs=1e-12)
        else:
            assert back == pytest.approx(value, rel=1e-7, abs=1e-9)


def test_unit_round_trip_choice_and_normal():
    domain = choice(["a", "b", "c", 4])
    assert [domain.from_unit(domain.to_unit(c)) for c in domain.categories] == domain.categories
    normal = randn(2.0, 3.0)
    assert normal.from_unit(normal.to_unit(5.0)) == pytest.approx(5.0)


# --- bad input ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make, names", [
    (lambda: uniform(1.0, 1.0), ["1.0"]),
    (lambda: uniform(2.0, 1.0), ["2.0", "1.0"]),
    (lambda: randint(3, 3), ["3"]),
    (lambda: loguniform(5.0, 0.5), ["5.0", "0.5"]),
    (lambda: qrandint(6, 5, 1), ["6", "5"]),
    (lambda: lograndint(10, 2), ["10", "2"]),
    (lambda: uniform(0.0, math.inf), ["inf"]),
    (lambda: uniform(math.nan, 1.0), ["nan"]),
    (lambda: randint(0, math.inf), ["inf"]),
    (lambda: randn(0.0, math.inf), ["inf"]),
    (lambda: loguniform(0.0, 1.0), ["lower", "0"]),
    (lambda: loguniform(-1.0, 1.0), ["-1"]),
    (lambda: lograndint(0, 10), ["lower", "0"]),
    (lambda: qlograndint(-4, 10, 2), ["-4"]),
    (lambda: quniform(0.0, 1.0, 0.0), ["q", "0"]),
    (lambda: quniform(0.0, 1.0, -0.1), ["-0.1"]),
    (lambda: qrandint(0, 10, 0), ["q", "0"]),
    (lambda: qrandn(0.0, 1.0, -1.0), ["-1"]),
    (lambda: quniform(0.1, 0.2, 0.5), ["0.5", "0.1", "0.2"]),
    (lambda: qrandint(1, 3, 5), ["5", "1", "3"]),
    (lambda: qloguniform(1.1, 1.9, 1.0), ["1.1", "1.9"]),
    (lambda: choice([]), ["[]"]),
    (lambda: grid_search([]), ["[]"]),
    (lambda: sample_from(3), ["3"]),
    (lambda: sample_from("not a function"), ["not a function"]),
])
def test_bad_input_rejected_with_value_error_naming_values(make, names):
    with pytest.raises(ValueError) as info:
        make()
    for name in names:
        assert name in str(info.value), (name, str(info.value))


# --- Space: nesting, conditions, sample_from, grids, paths --------------------------------------------------
def test_nested_dicts_and_lists_resolved_with_flat_paths():
    space = Space({"a": {"b": [uniform(0, 1), 3, {"c": randint(0, 4)}]}, "d": "text", "e": (1, choice([5, 6]))})
    assert set(space.domains) == {"a/b/0", "a/b/2/c", "e/1"}
    assert space.constants == {"a/b/1": 3, "d": "text", "e/0": 1}
    config = space.sample(np.random.default_rng(0))
    assert 0 <= config["a"]["b"][0] <= 1 and config["a"]["b"][1] == 3 and config["a"]["b"][2]["c"] in range(4)
    assert config["d"] == "text" and config["e"][0] == 1 and config["e"][1] in (5, 6)
    assert space.sample(np.random.default_rng(0), fixed={"a/b/0": 0.25})["a"]["b"][0] == 0.25


def test_conditional_choice_over_dicts():
    branch = choice([
        {"kind": "sgd", "lr": loguniform(1e-4, 1e-1)},
        {"kind": "adam", "beta": qrandint(2, 8, 2), "inner": {"eps": uniform(0, 1)}},
    ])
    space = Space({"opt": branch})
    assert space.domains["opt"].is_conditional
    rng = np.random.default_rng(1)
    kinds = Counter()
    for _ in range(40):
        opt = space.sample(rng)["opt"]
        kinds[opt["kind"]] += 1
        if opt["kind"] == "sgd":
            assert set(opt) == {"kind", "lr"} and 1e-4 <= opt["lr"] <= 1e-1
        else:
            assert set(opt) == {"kind", "beta", "inner"} and opt["beta"] in (2, 4, 6, 8)
            assert 0 <= opt["inner"]["eps"] <= 1
    assert kinds["sgd"] > 0 and kinds["adam"] > 0
    pinned = space.sample(rng, fixed={"opt": 1, "opt/1/beta": 6, "opt/1/inner/eps": 0.5})
    assert pinned["opt"] == {"kind": "adam", "beta": 6, "inner": {"eps": 0.5}}
    assert branch.categories[1]["beta"] == qrandint(2, 8, 2)  # the space itself is not mutated


@PROPERTY
@given(st.permutations(["a", "b", "c", "d"]), seeds)
def test_sample_from_resolves_to_fixed_point_whatever_the_key_order(order, seed):
    entries = {
        "a": uniform(0, 1),
        "b": sample_from(lambda spec: spec.config.a * 2),  # Ray's attribute style
        "c": sample_from(lambda config: config["b"] + 1),  # dict style
        "d": sample_from(lambda config: config.c + config["a"]),
    }
    config = Space({k: entries[k] for k in order}).sample(np.random.default_rng(seed))
    assert list(config) == order
    assert config["b"] == pytest.approx(2 * config["a"])
    assert config["c"] == pytest.approx(config["b"] + 1)
    assert config["d"] == pytest.approx(config["c"] + config["a"])


def test_sample_from_reads_nested_values_and_uses_seeded_global_random():
    space = Space({
        "net": {"width": randint(1, 100)},
        "double": sample_from(lambda spec: spec.config.net.width * 2),
        "noise": sample_from(lambda _: np.random.uniform()),
    })
    first = space.sample(np.random.default_rng(7))
    assert first["double"] == 2 * first["net"]["width"]
    assert space.sample(np.random.default_rng(7)) == first


def test_sample_from_cycle_names_the_keys():
    space = Space({
        "x": uniform(0, 1),
        "a": sample_from(lambda c: c["b"] + 1),
        "b": sample_from(lambda c: c.a + 1),
    })
    with pytest.raises(ValueError, match="cycle") as info:
        space.sample(np.random.default_rng(0))
    assert "'a'" in str(info.value) and "'b'" in str(info.value) and "'x'" not in str(info.value)


def test_sample_from_missing_key_names_it():
    with pytest.raises(KeyError, match="nope"):
        Space({"a": sample_from(lambda c: c["nope"])}).sample(np.random.default_rng(0))


def _run_all(space, num_samples):
    exp = Experiment(space, num_samples=num_samples, seed=3)
    configs = []
    while (suggestion := exp.ask()) is not None:
        configs.append(suggestion.config)
        exp.complete(suggestion.trial_id)
    assert exp.is_finished()
    return configs


@pytest.mark.parametrize("grid_a", [grid_search([1, 2]), {"grid_search": [1, 2]}], ids=["function", "ray_dict"])
def test_grid_cartesian_product_times_num_samples(grid_a):
    configs = _run_all({"a": grid_a, "b": grid_search(["x", "y", "z"]), "c": uniform(0, 1)}, num_samples=2)
    assert len(configs) == 12
    assert Counter((c["a"], c["b"]) for c in configs) == {(a, b): 2 for a in (1, 2) for b in "xyz"}
    assert len({c["c"] for c in configs}) == 12  # random domains drawn anew for every grid point
    first_pass = [(c["a"], c["b"]) for c in configs[:6]]
    assert sorted(first_pass) == sorted(set(first_pass))  # one full product before any repeat


def test_ray_grid_dict_nested_is_a_grid_variable():
    space = Space({"model": {"depth": {"grid_search": [2, 4, 8]}}})
    assert set(space.grid) == {"model/depth"}
    assert [p["model/depth"] for p in space.grid_points()] == [2, 4, 8]


def test_same_seed_same_space_samples():
    space = Space({"a": uniform(0, 1), "b": {"c": choice([{"d": randint(0, 9)}, 3])}, "e": randn()})
    draws = [[space.sample(np.random.default_rng(s)) for s in range(5)] for _ in range(2)]
    assert draws[0] == draws[1]
    assert len({repr(d) for d in draws[0]}) > 1


@pytest.mark.parametrize("config, error", [
    ({1: uniform(0, 1)}, TypeError),
    ({"a/b": uniform(0, 1)}, ValueError),
    ([uniform(0, 1)], TypeError),
])
def test_bad_space_rejected(config, error):
    with pytest.raises(error):
        Space(config)
