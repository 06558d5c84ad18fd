"""The contract of a multi-fidelity searcher (`Searcher.multi_fidelity`), as plain functions a test parametrises.

```
from hpo_core.testing import MULTI_FIDELITY_CHECKS, SearcherCase

@pytest.mark.parametrize("check", MULTI_FIDELITY_CHECKS)
def test_multi_fidelity_contract(check):
    check(SearcherCase("bohb", lambda: BOHBSearcher()))
```
Each check tells the searcher the `Fidelity` of a small successive-halving run (rungs 1, 3, 9), asks for trials at
every rung with `suggest_at`, and tells every intermediate result, with up to `parallel` trials live. Any searcher
passes, multi-fidelity or not: those that are not answer `suggest_at` as `suggest`.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..searchers.base import FINISHED
from ..searchers.fidelity import Fidelity
from ..space import Categorical, Function, Space
from .searcher_contract import METRIC, SearcherCase, _expect, objective, value_at

FIDELITY = Fidelity.geometric(time_attr="epoch", grace_period=1, max_t=9, reduction_factor=3)


def drive_multi_fidelity(case: SearcherCase, *, seed: int = 0) -> list[dict[str, Any]]:
    """The configs a fresh searcher of `case` suggests when trials start at rotating rungs and report each epoch
    (the loss falls with the epochs towards the contract objective) until a successive-halving rule stops them."""
    searcher = case.make()
    space = Space(case.space)
    searcher.set_search_properties(METRIC, case.mode, space)
    searcher.set_rng(np.random.default_rng(np.random.SeedSequence(seed).spawn(2)[0]))
    searcher.set_fidelity(FIDELITY)
    configs: list[dict[str, Any]] = []
    live: list[tuple[str, dict[str, Any], float]] = []
    while len(configs) < case.num_trials or live:
        if len(configs) < case.num_trials and len(live) < case.parallel:
            trial_id = f"{len(configs):05d}"
            level = FIDELITY.rungs[len(configs) % 2]
            config = searcher.suggest_at(trial_id, level)
            _expect(config is not FINISHED and config is not None, case, f"suggest_at({level}) gave {config!r}")
            configs.append(config)
            live.append((trial_id, config, level))
            continue
        trial_id, config, level = live.pop(0)
        score = objective(space, config)
        last = None
        for epoch in range(1, int(FIDELITY.max_t) + 1):
            last = {METRIC: score + 1.0 / epoch, "epoch": epoch}
            searcher.on_trial_result(trial_id, last)
            if epoch >= level and epoch in (1, 3) and int(trial_id) % 3:
                break  # two trials in three stop at their rung, as successive halving would
        searcher.on_trial_complete(trial_id, last, pruned=last["epoch"] < FIDELITY.max_t)
    return configs


def check_suggest_at_every_rung_in_domain(case: SearcherCase) -> None:
    """Configs asked for at any rung lie in their domains, also once the searcher has models at every rung."""
    space = Space(case.space)
    for config in drive_multi_fidelity(case):
        for path, domain in space.domains.items():
            if isinstance(domain, Function) or (isinstance(domain, Categorical) and domain.is_conditional):
                continue
            _expect(domain.contains(value_at(config, path)), case, f"{path} left its domain at some rung")


def check_multi_fidelity_same_seed_same_sequence(case: SearcherCase) -> None:
    """The same seed gives the same configs when the searcher learns from intermediate results."""
    first, again = drive_multi_fidelity(case, seed=3), drive_multi_fidelity(case, seed=3)
    _expect(first == again, case, "two multi-fidelity runs with seed 3 differ")


MULTI_FIDELITY_CHECKS: tuple[Callable[[SearcherCase], None], ...] = (
    check_suggest_at_every_rung_in_domain,
    check_multi_fidelity_same_seed_same_sequence,
)
