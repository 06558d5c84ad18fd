"""asktell on Ray: `RayExecutor` runs trials as Ray actors with per-trial CPU/GPU/memory/custom resources, and
`run(...)` is `hpo_core.run` with a `RayExecutor` as its default executor."""
from __future__ import annotations

import functools
from typing import Any

import hpo_core

from .checkpoint import RayCheckpoint
from .executor import RayExecutor


@functools.wraps(hpo_core.run)
def run(*args: Any, executor: Any = None, **kwargs: Any) -> hpo_core.ExperimentAnalysis:
    return hpo_core.run(*args, executor=RayExecutor() if executor is None else executor, **kwargs)


run.__doc__ = (
    "`hpo_core.run` with trials on Ray: the default executor is `RayExecutor()` (it joins the Ray this process "
    "is connected to, `$RAY_ADDRESS`, or starts a local instance); pass `executor=RayExecutor(address=..., ...)` "
    "to choose.\n\n" + (hpo_core.run.__doc__ or "")
)

__all__ = ["RayCheckpoint", "RayExecutor", "run"]
