"""`LoggerCallback`: Ray Tune's base class for loggers, as a `Callback` with three logging hooks."""
from __future__ import annotations

from typing import Any

from ..callbacks import Callback


class LoggerCallback(Callback):
    """Override `log_trial_start`, `log_trial_result` and `log_trial_end` (or the `Callback` hooks themselves).

    Example:
        >>> class Printer(LoggerCallback):
        ...     def log_trial_result(self, iteration, trial, result):
        ...         print(trial, result["loss"])
        >>> Printer().on_trial_result(1, [], "trial_1", {"loss": 0.5})
        trial_1 0.5
    """

    def log_trial_start(self, trial: Any) -> None:
        pass

    def log_trial_result(self, iteration: int, trial: Any, result: dict[str, Any]) -> None:
        pass

    def log_trial_end(self, trial: Any, failed: bool = False) -> None:
        pass

    def on_trial_start(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self.log_trial_start(trial)

    def on_trial_result(self, iteration: int, trials: list, trial: Any, result: dict[str, Any], **info: Any) -> None:
        self.log_trial_result(iteration, trial, result)

    def on_trial_complete(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self.log_trial_end(trial, failed=False)

    def on_trial_error(self, iteration: int, trials: list, trial: Any, **info: Any) -> None:
        self.log_trial_end(trial, failed=True)
