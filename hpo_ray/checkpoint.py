"""`RayCheckpoint`: a trial's checkpoint held in Ray's object store by the driver, so it outlives the worker and
node that made it and can be restored on any node. Pickling it (as the experiment folder does) stores the
checkpoint object itself: unpickled, it is the trainable's object again, usable by any executor."""
from __future__ import annotations

from typing import Any

import cloudpickle


def encode(value: Any) -> bytes:
    """The bytes a checkpoint travels as (taken when reported, so later changes by the trainable do not leak in)."""
    return cloudpickle.dumps(value)


def decode(payload: bytes | None) -> Any:
    return None if payload is None else cloudpickle.loads(payload)


class RayCheckpoint:
    """What the experiment records as a trial's checkpoint when it runs on Ray.

    `get()` returns the object the trainable reported (`hpo_core.report(..., checkpoint=obj)`); the trainable
    itself gets `obj` back from `hpo_core.get_checkpoint()`, never this wrapper.
    """

    __slots__ = ("nbytes", "ref")

    def __init__(self, payload: bytes):
        import ray

        self.nbytes = len(payload)
        self.ref = ray.put(payload)  # owned by the driver: survives the actor and node that made it

    def payload(self) -> bytes:
        import ray

        return ray.get(self.ref)

    def get(self) -> Any:
        """The checkpoint object the trainable reported."""
        return decode(self.payload())

    __checkpoint_value__ = get  # what results (`hpo_core.result_grid.Result.checkpoint`) show users

    def __reduce__(self):
        return (cloudpickle.loads, (self.payload(),))

    def __repr__(self) -> str:
        return f"RayCheckpoint({self.nbytes} bytes)"
