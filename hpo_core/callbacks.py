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
    """Calls a hook on every callback in order; one that raises is logged with its traceback and skipped.

    Each hook's methods are looked up once (hooks left as the base class's no-ops are skipped), since the driver
    calls `on_trial_result` for every report."""

    def __init__(self, callbacks: Iterable[Callback] | None = None):
        self.callbacks = list(callbacks or [])
        self.errors: list[tuple[str, str, str]] = []  # (callback, hook, traceback)
        self._methods: dict[str, list[tuple[Any, Any]]] = {}  # hook -> (callback, bound method) that act on it

    def append(self, callback: Callback) -> None:
        self.callbacks.append(callback)
        self._methods.clear()

    def overrides(self, hook: str) -> bool:
        """Whether any callback does something on `hook` (the base class's hooks do nothing)."""
        return bool(self._acting(hook))

    def _acting(self, hook: str) -> list[tuple[Any, Any]]:
        methods = self._methods.get(hook)
        if methods is None:
            noop = getattr(Callback, hook, None)
            methods = self._methods[hook] = [
                (callback, method) for callback in self.callbacks
                if (method := getattr(callback, hook, None)) is not None
                and (noop is None or getattr(method, "__func__", None) is not noop)]
        return methods

    def __call__(self, hook: str, **kwargs: Any) -> None:
        for callback, method in self._acting(hook):
            try:
                method(**kwargs)
            except Exception:  # noqa: BLE001 - a callback must never stop the experiment
                text = traceback.format_exc()
                self.errors.append((type(callback).__name__, hook, text))
                logger.error("callback %s.%s raised:\n%s", type(callback).__name__, hook, text)
