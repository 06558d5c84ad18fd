"""`ConcurrencyLimiter`: at most `max_concurrent` trials of a searcher live at once (Ray Tune semantics)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import AsktellValueError
from .base import FINISHED, Searcher, _Finished
from .wrapper import WrappingSearcher


class ConcurrencyLimiter(WrappingSearcher):
    """Suggests nothing (None) while `max_concurrent` of its trials are live.

    With `batch=True` the inner searcher hears of completed trials only once the whole batch of live trials has
    completed (all at once, in completion order), and no new trial starts before that. A batch smaller than
    `max_concurrent` (the inner searcher had nothing more to give) is released once all of its trials completed.
    """

    def __init__(self, searcher: Searcher, max_concurrent: int, batch: bool = False):
        super().__init__(searcher)
        if isinstance(max_concurrent, bool) or not isinstance(max_concurrent, (int, np.integer)) or max_concurrent < 1:
            raise AsktellValueError(f"`max_concurrent` must be an int >= 1, but got {max_concurrent!r}")
        self.max_concurrent = int(max_concurrent)
        self.batch = bool(batch)
        self.live_trials: list[str] = []  # in suggestion order
        self.cached_results: dict[str, tuple[dict[str, Any] | None, bool, bool]] = {}

    def suggest(self, trial_id: str) -> dict[str, Any] | None | _Finished:
        if len(self.live_trials) >= self.max_concurrent:
            return None
        config = self.searcher.suggest(trial_id)
        if config is not None and config is not FINISHED:
            self.live_trials.append(trial_id)
        return config

    def on_trial_complete(
        self, trial_id: str, result: dict[str, Any] | None = None, error: bool = False, pruned: bool = False
    ) -> None:
        if trial_id not in self.live_trials:
            return
        if not self.batch:
            self.live_trials.remove(trial_id)
            self.searcher.on_trial_complete(trial_id, result, error=error, pruned=pruned)
            return
        self.cached_results[trial_id] = (result, error, pruned)
        if len(self.cached_results) < len(self.live_trials):
            return
        released, self.cached_results = self.cached_results, {}
        for done_id, (done_result, done_error, done_pruned) in released.items():
            self.live_trials.remove(done_id)
            self.searcher.on_trial_complete(done_id, done_result, error=done_error, pruned=done_pruned)
