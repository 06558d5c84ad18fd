"""Loggers (callbacks, on by default in `run()`): JSON lines, CSV, TensorBoard (tensorboardX), and `pretty_print`;
MLflow (`MLflowLoggerCallback`) on request."""
from __future__ import annotations

import os
from collections.abc import Sequence

from ..callbacks import Callback
from .files import CsvLoggerCallback, JsonLoggerCallback, TrialFileLogger
from .mlflow import MLflowLoggerCallback
from .pretty import pretty_print
from .tbx import TBXLoggerCallback, tensorboardx_available

DISABLE_ENV = "ASKTELL_DISABLE_AUTO_CALLBACK_LOGGERS"

__all__ = [
    "CsvLoggerCallback", "JsonLoggerCallback", "MLflowLoggerCallback", "TBXLoggerCallback", "TrialFileLogger", "default_callbacks",
    "pretty_print",
]


def default_callbacks(
    callbacks: Sequence[Callback] | None = None,
    *,
    verbose: int = 1,
    path: str | None = None,
    metric: str | None = None,
    mode: str | None = None,
    loggers: bool = True,
) -> list[Callback]:
    """The user's callbacks, then the default loggers (unless `loggers=False` (a simulated run),
    `ASKTELL_DISABLE_AUTO_CALLBACK_LOGGERS=1` or the user already gave one of that kind), then the live progress
    reporter (unless `verbose=0`)."""
    from ..progress import ProgressReporter

    chosen = list(callbacks or [])
    if loggers and os.environ.get(DISABLE_ENV, "0") not in ("1", "true", "True"):
        kinds = [JsonLoggerCallback, CsvLoggerCallback]
        if tensorboardx_available():
            kinds.append(TBXLoggerCallback)
        chosen += [kind() for kind in kinds if not any(isinstance(c, kind) for c in chosen)]
    if verbose > 0 and not any(isinstance(c, ProgressReporter) for c in chosen):
        chosen.append(ProgressReporter(verbose=verbose, path=path, metric=metric, mode=mode))
    return chosen
