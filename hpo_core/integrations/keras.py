"""`TuneReportCallback`: report Keras training logs to the running trial (needs `keras`; any Keras 3 backend).

keras is imported only when `TuneReportCallback` is first used (`hpo_core` never imports a framework at import time).
"""
from __future__ import annotations

import functools
from typing import Any

from ..errors import AsktellTypeError, AsktellValueError
from ..session import report

_HOOKS = ("epoch_end", "batch_end", "train_end", "test_end")


class _ReportLogs:
    """The logic of `TuneReportCallback`, mixed into `keras.callbacks.Callback` on first use. Report Keras `logs` on each of `on` ("epoch_end" by default).

    `metrics` picks what to report: None reports every log; "accuracy" or ["accuracy", "loss"] report those
    names; {"mean_accuracy": "accuracy"} reports the log `accuracy` as `mean_accuracy`. A STOP from the experiment
    ends `model.fit` at that report.
    """

    def __init__(self, metrics: str | list[str] | dict[str, str] | None = None, on: str | list[str] = "epoch_end"):
        super().__init__()
        if isinstance(metrics, str):
            metrics = {metrics: metrics}
        elif isinstance(metrics, (list, tuple)):
            metrics = {name: name for name in metrics}
        elif metrics is not None and not isinstance(metrics, dict):
            raise AsktellTypeError(f"TuneReportCallback: `metrics` must be a str, list or dict, but got {metrics!r}")
        hooks = [on] if isinstance(on, str) else list(on)
        for hook in hooks:
            if hook not in _HOOKS:
                raise AsktellValueError(f"TuneReportCallback: `on` must be one of {_HOOKS}, but got {hook!r}")
        self.metrics, self.on = metrics, hooks

    def _report(self, hook: str, logs: dict[str, Any] | None) -> None:
        if hook not in self.on:
            return
        logs = logs or {}
        if self.metrics is None:
            values = {key: float(value) for key, value in logs.items()}
        else:
            missing = [log for log in self.metrics.values() if log not in logs]
            if missing:
                raise AsktellValueError(
                    f"TuneReportCallback: Keras logs have no {missing} at {hook} (they have {sorted(logs)})"
                )
            values = {name: float(logs[log]) for name, log in self.metrics.items()}
        report(values)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._report("epoch_end", logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._report("batch_end", logs)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._report("train_end", logs)

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        self._report("test_end", logs)


@functools.cache
def _callback_class() -> type:
    try:
        import keras
    except ImportError as exc:
        raise ImportError('TuneReportCallback needs keras: pip install "asktell[ml]"') from exc
    return type("TuneReportCallback", (_ReportLogs, keras.callbacks.Callback), {"__doc__": _ReportLogs.__doc__,
                                                                                "__module__": __name__})


def __getattr__(name: str) -> Any:
    if name == "TuneReportCallback":
        return _callback_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
