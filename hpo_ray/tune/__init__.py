"""The chapter's `ray.tune` namespace on asktell: `from hpo_ray import tune` and port by changing imports only.

`tune.run` is `hpo_ray.run` (trials on Ray) after turning a name or a Trainable class into a function trainable;
`tune.Tuner` (with `TuneConfig`, `RunConfig`, `FailureConfig`, `CheckpointConfig`, returning a `ResultGrid`) is
Ray Tune's current API on the same driver. `tune.report`, `tune.get_checkpoint`, `tune.get_context`,
`tune.Checkpoint`, the space primitives, `tune.Callback`, `tune.Stopper`, `tune.with_parameters`,
`tune.with_resources`, `tune.register_trainable` are asktell's own. Submodules `schedulers`, `search`, `suggest`,
`logger`, `result`, `utils` and `integration` load on first use (optional libraries are imported only then).
"""
from __future__ import annotations

import importlib
from typing import Any

from hpo_core.analysis import ExperimentAnalysis
from hpo_core.checkpoint import Checkpoint
from hpo_core.result_grid import Result, ResultGrid
from hpo_core.session import get_checkpoint, get_context, report
from hpo_core.space import (
    choice,
    grid_search,
    lograndint,
    loguniform,
    qlograndint,
    qloguniform,
    qrandint,
    qrandn,
    quniform,
    randint,
    randn,
    sample_from,
    uniform,
)
from hpo_core.stoppers import Stopper
from hpo_core.trainables import Trainable, register_trainable, with_parameters
from hpo_core.tune_config import CheckpointConfig, FailureConfig, RunConfig, TuneConfig

from . import rllib as _rllib
from ._run import run
from .placement import PlacementGroupFactory, with_resources
from .tuner import Tuner

_rllib.install()

_SUBMODULES = ("schedulers", "search", "suggest", "logger", "integration", "stopper", "rllib", "result", "utils")
_LAZY = {
    "Callback": ("hpo_core.callbacks", "Callback"),
    "ExperimentPlateauStopper": ("hpo_core.stoppers", "ExperimentPlateauStopper"),
    "TrialPlateauStopper": ("hpo_core.stoppers", "TrialPlateauStopper"),
    "MaximumIterationStopper": ("hpo_core.stoppers", "MaximumIterationStopper"),
    "TimeoutStopper": ("hpo_core.stoppers", "TimeoutStopper"),
    "CombinedStopper": ("hpo_core.stoppers", "CombinedStopper"),
    "CLIReporter": ("hpo_ray.tune.reporters", "CLIReporter"),
    "JupyterNotebookReporter": ("hpo_ray.tune.reporters", "JupyterNotebookReporter"),
    "ProgressReporter": ("hpo_ray.tune.reporters", "CLIReporter"),
}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Callback", "Checkpoint", "CheckpointConfig", "ExperimentAnalysis", "FailureConfig", "PlacementGroupFactory",
    "Result", "ResultGrid", "RunConfig", "Stopper", "Trainable", "TuneConfig", "Tuner", "choice", "get_checkpoint",
    "get_context", "grid_search", "lograndint", "loguniform", "qlograndint", "qloguniform", "qrandint", "qrandn",
    "quniform", "randint", "randn", "register_trainable", "report", "run", "sample_from", "uniform",
    "with_parameters", "with_resources",
]
