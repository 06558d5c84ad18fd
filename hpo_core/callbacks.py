"""`Callback`: hooks into every transition of a `run()`; `CallbackList` calls them and survives their failures."""
from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable
from typing import Any

logger = logging.getLogger("asktell")


class Callback:
    """Override the hooks you need. `iteration` counts the driver's steps; `trials` are all trial records."""

    def setup(self, **info: Any) -> None:
        pass

    def on_trial_start(self, iteration: int, trials: list, trial, **info: Any) -> None:
        pass

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        pass

    def on_trial_complete(self, iteration: int, trials: list, trial, **info: Any) -> None:
        pass

    def on_trial_error(self, iteration: int, trials: list, trial, **info: Any) -> None:
        pass

    def on_trial_recover(self, iteration: int, trials: list, trial, **info: Any) -> None:
        pass

    def on_checkpoint(self, iteration: int, trials: list, trial, checkpoint: Any, **info: Any) -> None:
        pass

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        pass


class CallbackList:
    """Calls a hook on every callback in order; one that raises is logged with its traceback and skipped."""

    def __init__(self, callbacks: Iterable[Callback] | None = None):
        self.callbacks = list(callbacks or [])
        self.errors: list[tuple[str, str, str]] = []  # (callback, hook, traceback)

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)

    def overrides(self, hook: str) -> bool:
        """Whether any callback does something on `hook` (the base class's hooks do nothing)."""
        return any(getattr(type(c), hook, None) not in (None, getattr(Callback, hook)) for c in self.callbacks)

    def __call__(self, hook: str, **kwargs: Any) -> None:
        for callback in self.callbacks:
            method = getattr(callback, hook, None)
            if method is None:
                continue
            try:
                method(**kwargs)
            except Exception:  # noqa: BLE001 - a callback must never stop the experiment
                text = traceback.format_exc()
                self.errors.append((type(callback).__name__, hook, text))
                logger.error("callback %s.%s raised:\n%s", type(callback).__name__, hook, text)
