"""The contract every `Searcher` must pass, as plain functions a test suite parametrises.

```
from hpo_core.testing import SEARCHER_CHECKS, SearcherCase

CASES = [SearcherCase("random", lambda: BasicVariantGenerator()), ...]   # one line per searcher

@pytest.mark.parametrize("check", SEARCHER_CHECKS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_searcher_contract(case, check):
    check(case)
```
Each check drives the searcher the way `Experiment` does (`set_search_properties`, `set_rng`, `suggest`,
`on_trial_result`, `on_trial_complete`) with up to `parallel` trials live at once, and raises `AssertionError`
naming the searcher and what went wrong. Nothing here imports pytest.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import cloudpickle
import numpy as np

from ..searchers.base import FINISHED, Searcher
from ..space import (
    SEP,
    Categorical,
    Function,
    Space,
    choice,
    loguniform,
    qrandint,
    quniform,
    randint,
    uniform,
)

CONTRACT_SPACE: dict[str, Any] = {
    "lr": loguniform(1e-4, 1e-1),
    "momentum": uniform(0.0, 0.99),
    "dropout": quniform(0.0, 0.5, 0.05),
    "layers": randint(1, 5),
    "units": qrandint(16, 128, 16),
    "optimizer": choice(["sgd", "adam", "rmsprop"]),
    "nested": {"decay": uniform(0.1, 0.9), "constant": 7},
}
"""A bounded space of the kinds every adapter supports; a case may bring its own."""

METRIC = "score"


@dataclass
class SearcherCase:
    """One searcher under test: `make()` builds a fresh, unconfigured instance.

    `follows_experiment_seed=False` for a searcher seeded in its constructor (different experiment seeds then give
    the same sequence). `fail_every`: every n-th trial of the failure check errors (and the next one is pruned).
    """

    name: str
    make: Callable[[], Searcher]
    space: dict[str, Any] = field(default_factory=lambda: dict(CONTRACT_SPACE))
    mode: str = "min"
    num_trials: int = 12
    parallel: int = 2
    follows_experiment_seed: bool = True
    fail_every: int = 3


def objective(space: Space, config: dict[str, Any]) -> float:
    """A deterministic score of a config: squared distance of its unit-mapped values from 0.3."""
    total = 0.0
    for path, domain in space.domains.items():
        if isinstance(domain, Function) or getattr(domain, "is_conditional", False):
            continue
        total += (domain.to_unit(value_at(config, path)) - 0.3) ** 2
    return total


def value_at(config: Any, path: str) -> Any:
    """The value at a flattened path ("a/b/0") of a resolved config."""
    node = config
    for key in path.split(SEP):
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


@dataclass
class _Run:
    searcher: Searcher
    space: Space
    configs: list[dict[str, Any]] = field(default_factory=list)
    next_id: int = 0


def _start(case: SearcherCase, seed: int) -> _Run:
    searcher = case.make()
    space = Space(case.space)
    searcher.set_search_properties(METRIC, case.mode, space)
    searcher.set_rng(np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[0]))
    return _Run(searcher, space)


def _play(case: SearcherCase, run: _Run, trials: int, *, fail_every: int = 0) -> _Run:
    """Suggest `trials` more trials (trial ids go on from earlier calls), keeping up to `parallel` live."""
    live: list[tuple[str, dict[str, Any]]] = []
    started = 0
    while started < trials or live:
        config = None
        if started < trials and len(live) < case.parallel:
            trial_id = f"{run.next_id:05d}"
            config = run.searcher.suggest(trial_id)
            if config is FINISHED:
                trials = started
                continue
            if config is not None:
                _expect(isinstance(config, dict), case, f"suggest() returned {config!r}, not a dict")
                run.next_id += 1
                started += 1
                run.configs.append(config)
                live.append((trial_id, config))
                continue
        _expect(bool(live), case, "suggest() returned None while no trial was live: the searcher is stuck")
        trial_id, config = live.pop(0)
        _finish(case, run, trial_id, config, index=int(trial_id), fail_every=fail_every)
    return run


def _finish(case: SearcherCase, run: _Run, trial_id: str, config: dict[str, Any], *, index: int,
            fail_every: int) -> None:
    score = objective(run.space, config)
    for step in range(1, 3):
        run.searcher.on_trial_result(trial_id, {METRIC: score + 1.0 / step, "training_iteration": step})
    last = {METRIC: score, "training_iteration": 3, "done": True, "config": config}
    if fail_every and index % fail_every == 1:
        run.searcher.on_trial_complete(trial_id, None, error=True)
    elif fail_every and index % fail_every == 2:
        run.searcher.on_trial_complete(trial_id, {METRIC: math.nan, "training_iteration": 1}, pruned=True)
    else:
        run.searcher.on_trial_complete(trial_id, last)


def drive_searcher(case: SearcherCase, *, seed: int = 0, trials: int | None = None,
                   fail_every: int = 0) -> list[dict[str, Any]]:
    """The configs a fresh searcher of `case` suggests in a run of `trials` trials under `seed`."""
    run = _start(case, seed)
    return _play(case, run, case.num_trials if trials is None else trials, fail_every=fail_every).configs


def _expect(ok: bool, case: SearcherCase, message: str) -> None:
    if not ok:
        raise AssertionError(f"searcher {case.name!r}: {message}")


# --- the checks ---------------------------------------------------------------------------------------------
def check_values_in_domain(case: SearcherCase) -> None:
    """Every suggested value lies inside its domain; constants come through unchanged."""
    space = Space(case.space)
    configs = drive_searcher(case)
    _expect(len(configs) == case.num_trials, case, f"suggested {len(configs)} configs, wanted {case.num_trials}")
    for config in configs:
        for path, domain in space.domains.items():
            if isinstance(domain, Function) or (isinstance(domain, Categorical) and domain.is_conditional):
                continue
            value = value_at(config, path)
            _expect(domain.contains(value), case, f"{path}={value!r} is outside {domain!r}")
        for path, constant in space.constants.items():
            value = value_at(config, path)
            _expect(value == constant, case, f"constant {path} came back as {value!r}, not {constant!r}")


def check_same_seed_same_sequence(case: SearcherCase) -> None:
    """The same seed gives the same configs; another seed gives others (when the searcher follows the seed)."""
    first, again = drive_searcher(case, seed=11), drive_searcher(case, seed=11)
    _expect(first == again, case, f"two runs with seed 11 differ:\n{first}\n{again}")
    if case.follows_experiment_seed:
        other = drive_searcher(case, seed=12)
        _expect(other != first, case, "seeds 11 and 12 gave the same configs: the experiment's generator is ignored")


def check_failed_trials_tolerated(case: SearcherCase) -> None:
    """Trials that error (no result) or are pruned with a NaN result do not break the searcher."""
    space = Space(case.space)
    configs = drive_searcher(case, fail_every=case.fail_every)
    _expect(len(configs) == case.num_trials, case, f"with failures it suggested only {len(configs)} configs")
    for config in configs:
        for path, domain in space.domains.items():
            if not isinstance(domain, Function) and not getattr(domain, "is_conditional", False):
                _expect(domain.contains(value_at(config, path)), case, f"after failures {path} left its domain")


def check_save_restore_round_trip(case: SearcherCase) -> None:
    """`restore(save())` into a fresh searcher (pickled in between, generator reseeded) continues identically."""
    half = case.num_trials // 2
    run = _play(case, _start(case, seed=5), half)
    state = cloudpickle.dumps(run.searcher.save())
    continued = _play(case, run, half).configs[half:]

    fresh = _start(case, seed=99)
    fresh.searcher.restore(cloudpickle.loads(state))
    fresh.next_id = half
    resumed = _play(case, fresh, half).configs
    _expect(resumed == continued, case, f"after restore the configs differ:\n{continued}\n{resumed}")


SEARCHER_CHECKS: tuple[Callable[[SearcherCase], None], ...] = (
    check_values_in_domain,
    check_same_seed_same_sequence,
    check_failed_trials_tolerated,
    check_save_restore_round_trip,
)
