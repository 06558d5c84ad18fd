"""Multi-objective synchronous HyperBand: successive halving brackets that keep the best trials by non-dominated
sorting instead of one score."""
from __future__ import annotations

from typing import Any

from .hyperband import HyperBandScheduler
from .multi_objective import MultiObjectiveMixin, best_first


class MOHyperBandScheduler(MultiObjectiveMixin, HyperBandScheduler):
    """`HyperBandScheduler` for several metrics: when every live trial of a bracket reached its milestone, the
    best ⌈n/η⌉ by non-dominated front, then crowding distance, go on (NSGA-II's selection); the rest stop. A
    vector holding NaN ranks last. With one bracket (`max_t = reduction_factor ** k` and only its first bracket
    filled) it is multi-objective successive halving.

    Args:
        metric, mode: lists of metric names and of "min"/"max" (or taken from `run()` / `Experiment`).
        time_attr, max_t, reduction_factor, stop_last_trials: as in `HyperBandScheduler`.

    Example:
        >>> from hpo_core import Experiment, uniform
        >>> exp = Experiment({"x": uniform(0, 1)}, metric=["loss", "size"], mode=["min", "min"], num_samples=9,
        ...                  scheduler=MOHyperBandScheduler(max_t=9, reduction_factor=3), seed=0)
        >>> s = exp.ask()
        >>> exp.tell(s.trial_id, {"loss": 0.5, "size": 3.0}).name
        'CONTINUE'
    """

    def _rank(self, live: dict[str, tuple[float, Any] | None]) -> list[str]:
        ids = list(live)
        unseen = [t for t in ids if live[t] is None]
        seen = [t for t in ids if live[t] is not None]
        order = best_first([live[t][1] for t in seen])
        return [seen[i] for i in order] + unseen
