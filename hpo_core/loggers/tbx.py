"""TensorBoard logger through tensorboardX (used when it is installed): numeric results as scalars per trial."""
from __future__ import annotations

import importlib.util
import numbers
import sys
from typing import Any

from ..callbacks import Callback
from .files import MAX_OPEN_FILES, flatten


def tensorboardx_available() -> bool:
    return importlib.util.find_spec("tensorboardX") is not None


def _summary_writer_class() -> Any:
    """tensorboardX's `SummaryWriter`. tensorboardX tries `import torch` only to accept tensors (seconds of import
    time); we log plain floats, so unless torch is loaded already that import is made to fail, just for this."""
    if "tensorboardX" in sys.modules or "torch" in sys.modules:
        from tensorboardX import SummaryWriter

        return SummaryWriter
    sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError meanwhile
    try:
        from tensorboardX import SummaryWriter
    finally:
        if sys.modules.get("torch", 0) is None:
            del sys.modules["torch"]
    return SummaryWriter


class TBXLoggerCallback(Callback):
    """Event files in each trial's folder (`tensorboard --logdir <experiment folder>`), step = training_iteration."""

    def __init__(self) -> None:
        self._writers: dict[str, Any] = {}
        self._writer_class: Any = None

    def setup(self, **info: Any) -> None:
        self._writer_class = _summary_writer_class()

    def on_trial_result(self, iteration: int, trials: list, trial, result: dict[str, Any], **info: Any) -> None:
        if trial.path is None:
            return
        writer = self._writers.get(trial.trial_id)
        if writer is None:
            if self._writer_class is None:
                self._writer_class = _summary_writer_class()
            if len(self._writers) >= MAX_OPEN_FILES:
                self._close(next(iter(self._writers)))
            writer = self._writers[trial.trial_id] = self._writer_class(logdir=trial.path, flush_secs=5)
        step = result.get("training_iteration", 0)
        for key, value in flatten({k: v for k, v in result.items() if k != "config"}).items():
            if isinstance(value, numbers.Real) and not isinstance(value, bool) and key != "training_iteration":
                writer.add_scalar(f"asktell/{key}", float(value), global_step=step)

    def on_trial_complete(self, iteration: int, trials: list, trial, **info: Any) -> None:
        self._close(trial.trial_id)

    on_trial_error = on_trial_complete

    def on_experiment_end(self, trials: list, **info: Any) -> None:
        for trial_id in list(self._writers):
            self._close(trial_id)

    def _close(self, trial_id: str) -> None:
        writer = self._writers.pop(trial_id, None)
        if writer is not None:
            writer.close()
