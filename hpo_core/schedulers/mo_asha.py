"""MO-ASHA (Schmucker et al., 2021): asynchronous successive halving whose rungs rank trials by non-dominated
sorting instead of one score."""
from __future__ import annotations

from typing import Any

from ..enums import Decision
from ..trial import Trial
from .async_hyperband import AsyncHyperBandScheduler
from .multi_objective import MultiObjectiveMixin, in_top_share


class MOASHAScheduler(MultiObjectiveMixin, AsyncHyperBandScheduler):
    """ASHA for several metrics: when a trial first reaches a rung, its objective vector is recorded there, and it
    goes on only if it is among the best max(1, ⌊n/reduction_factor⌋) of the n trials recorded at that rung so far
    (itself included), ranked by non-dominated front and then by crowding distance (larger first). Rungs,
    brackets and `stop_last_trials` are ASHA's (`AsyncHyperBandScheduler`). A result with NaN in an objective is
    stopped and takes no place at the rung.

    Args:
        metric, mode: lists of metric names and of "min"/"max" (or taken from `run()` / `Experiment`).
        time_attr, max_t, grace_period, reduction_factor, brackets, stop_last_trials: as in ASHA.

    Example:
        >>> from hpo_core import Experiment, uniform
        >>> exp = Experiment({"x": uniform(0, 1)}, metric=["loss", "size"], mode=["min", "min"], num_samples=8,
        ...                  scheduler=MOASHAScheduler(max_t=9, grace_period=1, reduction_factor=3), seed=0)
        >>> s = exp.ask()
        >>> exp.tell(s.trial_id, {"loss": 0.5, "size": 3.0}).name
        'CONTINUE'
    """

    def _judge(self, bracket: int, index: int, trial_id: str, result: dict[str, Any]) -> Decision:
        vector = self._score(result)
        rung = self.recorded[bracket][index]
        goes_on = in_top_share(list(rung.values()), vector, self.reduction_factor)
        rung[trial_id] = vector
        return Decision.CONTINUE if goes_on else Decision.STOP

    def on_trial_complete(self, trial: Trial, result: dict[str, Any] | None) -> None:
        if self.has_objectives(result) and self.time_attr in result:
            self._on_rung_result(trial.trial_id, result)
        self.trial_bracket.pop(trial.trial_id, None)
