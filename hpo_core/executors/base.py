"""The executor protocol: start trials, poll their events, apply decisions. Executors know no search logic."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..enums import Decision
from ..suggestion import Suggestion


@dataclass(frozen=True)
class Reported:
    """A trial reported `metrics` (and maybe a checkpoint); it waits for or streams on to a decision."""

    trial_id: str
    metrics: dict[str, Any]
    checkpoint: Any = None


class PickledCheckpoint:
    """A checkpoint as the pickled bytes a worker process sent (`data`); `load()` gives the object.

    The process pool hands reported checkpoints on in this form: the driver writes the bytes to the checkpoint file
    as they came, without unpickling and pickling them again (for a 1 MB checkpoint that is most of the driver's
    work per report), and a worker that resumes from it unpickles it there.
    """

    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data

    def load(self) -> Any:
        import cloudpickle

        return cloudpickle.loads(self.data)

    __checkpoint_value__ = load  # what `Result.checkpoint` shows (see result_grid.checkpoint_value)

    def __reduce__(self):
        return PickledCheckpoint, (self.data,)

    def __repr__(self) -> str:
        return f"PickledCheckpoint({len(self.data)} bytes)"


def unpickled(checkpoint: Any) -> Any:
    """The checkpoint object, whether it came as one or as a `PickledCheckpoint`."""
    return checkpoint.load() if isinstance(checkpoint, PickledCheckpoint) else checkpoint


@dataclass(frozen=True)
class Completed:
    """The trainable returned. A returned dict arrives as a `Reported` first."""

    trial_id: str


@dataclass(frozen=True)
class Failed:
    """The trainable raised, or its worker died. `error` is the (remote) traceback text."""

    trial_id: str
    error: str


Event = Reported | Completed | Failed


class Executor:
    """Runs trials. The driver calls `setup` once, then loops over `free_slots`/`start`/`poll`/`apply`.

    After `apply(trial_id, PAUSE or STOP)` the trial's worker ends at its current report and the executor drops
    any further event of that trial; its resources are free again.

    `default_loggers`: whether `run()` adds the per-trial file loggers (JSON, CSV, TensorBoard) by default. False
    for an executor whose trials are simulated: a replayed row of a table has no process and no files of its own,
    and the files would cost far more than the simulation (creating a file costs ~0.5-1 ms on a VM disk; a
    1,000-trial ASHA run would make ~1,700). The journal keeps every result either way.
    """

    default_loggers = True

    def setup(
        self,
        trainable: Callable,
        *,
        resources_per_trial: dict[str, float] | None = None,
        max_concurrent_trials: int | None = None,
    ) -> None:
        raise NotImplementedError

    def free_slots(self) -> int:
        """How many more trials could start now."""
        raise NotImplementedError

    def start(self, suggestion: Suggestion) -> None:
        raise NotImplementedError

    def poll(self, timeout: float) -> list[Event]:
        """Events that arrived, waiting up to `timeout` seconds for the first one."""
        raise NotImplementedError

    def apply(self, trial_id: str, decision: Decision) -> None:
        """Deliver the decision on the trial's last report."""
        raise NotImplementedError

    def running(self) -> set[str]:
        """Ids of the trials this executor is running now."""
        raise NotImplementedError

    def shutdown(self) -> None:
        """Stop every trial and release workers."""
