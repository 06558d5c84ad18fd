"""What a multi-fidelity searcher learns about the experiment's scheduler: its `Fidelity` (resource and rungs)."""
from __future__ import annotations

from ..searchers.fidelity import Fidelity
from .async_hyperband import AsyncHyperBandScheduler
from .base import TrialScheduler
from .hyperband import HyperBandScheduler


def fidelity_of(scheduler: TrialScheduler) -> Fidelity | None:
    """The rungs at which `scheduler` compares trials, or None for a scheduler that has none (FIFO, PBT, ...).

    A scheduler may say it itself with a `fidelity()` method; ASHA's rungs are those of its first bracket (the
    others are a subset), synchronous HyperBand's are max_t·η^-k rounded down as its brackets use them.
    """
    own = getattr(scheduler, "fidelity", None)
    if callable(own):
        return own()
    if isinstance(scheduler, AsyncHyperBandScheduler):
        rungs = tuple(scheduler.brackets[0]) if scheduler.brackets and scheduler.brackets[0] else ()
        if not rungs or rungs[-1] < scheduler.max_t:
            rungs = (*rungs, float(scheduler.max_t))
        return Fidelity(scheduler.time_attr, rungs, float(scheduler.reduction_factor))
    if isinstance(scheduler, HyperBandScheduler):
        levels = {float(scheduler.bracket_size(s)[1]) for s in range(scheduler.s_max_1)}
        levels.add(float(scheduler.max_t))
        return Fidelity(scheduler.time_attr, tuple(sorted(v for v in levels if v > 0)), float(scheduler.eta))
    return None
