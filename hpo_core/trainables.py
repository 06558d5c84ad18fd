"""Trainables by class and by name.

* `Trainable`: the class API (`setup(config)`, `step() -> dict`, `save_checkpoint(dir)`, `load_checkpoint(...)`,
  `cleanup()`); `as_function(cls)` turns it into the function trainable every executor runs.
* `register_trainable(name, trainable)` and `resolve_trainable(obj)`: a name, a class or a function in, a function
  trainable out. Other packages add name resolvers (hpo_ray resolves RLlib algorithm names) with `add_resolver`.
* `with_parameters(trainable, **data)`: pass fixed objects (data sets, ...) next to `config`.
"""
from __future__ import annotations

import functools
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import AsktellTypeError, AsktellValueError
from .session import get_checkpoint, report


class Trainable:
    """Subclass and override `setup`, `step` and, for pause/resume and PBT, `save_checkpoint`/`load_checkpoint`.

    `step()` returns a dict of metrics; a result with `done=True` ends the trial. `self.iteration` counts the
    steps taken (restored with a checkpoint). `save_checkpoint(checkpoint_dir)` may write files into the folder
    and/or return a dict; `load_checkpoint` then receives that dict, or the folder path when none was returned.
    """

    def __init__(self, config: dict[str, Any] | None = None, **parameters: Any):
        self.config = dict(config or {})
        self.iteration = 0
        self.setup(self.config, **parameters)

    def setup(self, config: dict[str, Any], **parameters: Any) -> None:
        """Build the model, load data, ... (parameters come from `with_parameters`)."""

    def step(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement step()")

    def save_checkpoint(self, checkpoint_dir: str) -> dict[str, Any] | None:
        return None

    def load_checkpoint(self, checkpoint: dict[str, Any] | str) -> None:
        pass

    def cleanup(self) -> None:
        pass

    @property
    def training_iteration(self) -> int:
        """The steps taken so far (Ray Tune's name for `iteration`)."""
        return self.iteration

    @property
    def trial_name(self) -> str:
        return type(self).__name__


@dataclass
class ClassCheckpoint:
    """A class trainable's checkpoint as one picklable value: what `save_checkpoint` returned and wrote."""

    data: dict[str, Any] | None
    files: dict[str, bytes] = field(default_factory=dict)
    iteration: int = 0


def _save(trainable: Trainable) -> ClassCheckpoint:
    folder = tempfile.mkdtemp(prefix="asktell-ckpt-")
    try:
        data = trainable.save_checkpoint(folder)
        if data is not None and not isinstance(data, dict):
            raise AsktellTypeError(
                f"{type(trainable).__name__}.save_checkpoint must return a dict or None, but got {data!r}"
            )
        files = {}
        for root, _, names in os.walk(folder):
            for name in names:
                path = os.path.join(root, name)
                with open(path, "rb") as handle:
                    files[os.path.relpath(path, folder)] = handle.read()
        return ClassCheckpoint(data, files, trainable.iteration)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _restore(trainable: Trainable, checkpoint: ClassCheckpoint) -> None:
    folder = tempfile.mkdtemp(prefix="asktell-restore-")
    try:
        for rel, content in checkpoint.files.items():
            path = os.path.join(folder, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(content)
        trainable.load_checkpoint(checkpoint.data if checkpoint.data is not None else folder)
        trainable.iteration = checkpoint.iteration
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def as_function(cls: type[Trainable], *, checkpoint_frequency: int = 1, **parameters: Any) -> Callable:
    """A function trainable that runs `cls`: restore, then step / checkpoint / report until stopped or done.

    `checkpoint_frequency=0` takes no checkpoints (a paused trial then restarts from scratch).
    """
    if not (isinstance(cls, type) and issubclass(cls, Trainable)):
        raise AsktellTypeError(f"`cls` must be a Trainable subclass, but got {cls!r}")
    if isinstance(checkpoint_frequency, bool) or not isinstance(checkpoint_frequency, int) or checkpoint_frequency < 0:
        raise AsktellValueError(f"`checkpoint_frequency` must be an int >= 0, but got {checkpoint_frequency!r}")

    def run_class(config: dict[str, Any]) -> None:
        trainable = cls(config, **parameters)
        try:
            checkpoint = get_checkpoint()
            if isinstance(checkpoint, ClassCheckpoint):
                _restore(trainable, checkpoint)
            while True:
                result = trainable.step()
                if not isinstance(result, dict):
                    raise AsktellTypeError(f"{cls.__name__}.step() must return a dict, but got {result!r}")
                trainable.iteration += 1
                done = bool(result.pop("done", False))
                every = checkpoint_frequency
                saved = _save(trainable) if every and (trainable.iteration % every == 0 or done) else None
                report(result, checkpoint=saved)
                if done:
                    return
        finally:
            trainable.cleanup()

    run_class.__name__ = run_class.__qualname__ = cls.__name__
    run_class.__doc__ = cls.__doc__
    run_class.trainable_class = cls  # type: ignore[attr-defined]
    return run_class


class _WithParameters:
    """A function trainable called as `fn(config, **parameters)` (picklable; see `with_parameters`)."""

    def __init__(self, fn: Callable, parameters: dict[str, Any]):
        self.fn, self.parameters = fn, parameters
        functools.update_wrapper(self, fn)

    def __call__(self, config: dict[str, Any]) -> Any:
        return self.fn(config, **self.parameters)


def with_parameters(trainable: Callable | type[Trainable], **parameters: Any) -> Callable:
    """`trainable` with extra keyword arguments: `fn(config, **parameters)` or `cls.setup(config, **parameters)`."""
    if isinstance(trainable, type) and issubclass(trainable, Trainable):
        return as_function(trainable, **parameters)
    if not callable(trainable):
        raise AsktellTypeError(f"with_parameters: `trainable` must be a function or Trainable, got {trainable!r}")
    return _WithParameters(trainable, parameters)


# --- the registry ----------------------------------------------------------------------------------------------
_REGISTRY: dict[str, Callable] = {}
_RESOLVERS: list[Callable[[str], Callable | None]] = []


def register_trainable(name: str, trainable: Callable | type[Trainable]) -> None:
    """Make `trainable` (a function or a Trainable class) runnable as `run(name, ...)`."""
    if not isinstance(name, str) or not name:
        raise AsktellTypeError(f"register_trainable: `name` must be a non-empty string, but got {name!r}")
    function = _as_callable(trainable, "trainable")
    _REGISTRY[name] = function


def add_resolver(resolver: Callable[[str], Callable | None]) -> None:
    """Add a fallback that maps an unregistered name to a trainable (or None when it does not know the name)."""
    if resolver not in _RESOLVERS:
        _RESOLVERS.append(resolver)


def registered_names() -> list[str]:
    return sorted(_REGISTRY)


def resolve_trainable(trainable: Any, *, parameter: str = "run_or_experiment") -> Callable:
    """A function trainable for a registered name, a resolver's name, a Trainable class or a function."""
    if isinstance(trainable, str):
        if trainable in _REGISTRY:
            return _REGISTRY[trainable]
        for resolver in _RESOLVERS:
            found = resolver(trainable)
            if found is not None:
                return found
        raise AsktellValueError(
            f"unknown trainable name {trainable!r}: register it with register_trainable(name, fn) "
            f"(registered: {registered_names()})"
        )
    return _as_callable(trainable, parameter)


def _as_callable(trainable: Any, parameter: str) -> Callable:
    if isinstance(trainable, type):
        if issubclass(trainable, Trainable):
            return as_function(trainable)
        raise AsktellTypeError(f"`{parameter}` must be a function or a Trainable subclass, but got {trainable!r}")
    if not callable(trainable):
        raise AsktellTypeError(f"`{parameter}` must be a function, a Trainable class or a name, got {trainable!r}")
    return trainable
