"""Connecting to Ray: join a running cluster, or start a local one; list what the live nodes hold."""
from __future__ import annotations

import logging
import os
from typing import Any

from hpo_core.errors import AsktellTypeError, AsktellValueError

logger = logging.getLogger("asktell")


def connect(address: str | None, init_kwargs: dict[str, Any] | None = None) -> bool:
    """Make sure this process is connected to Ray; returns True when it started a new local instance.

    * already connected (`ray.init` was called): use that connection, whatever `address` says;
    * `address="auto"`, `"ray://host:10001"`, `"host:6379"`: join that running cluster;
    * `address=None`: join `$RAY_ADDRESS` when set, else start a local instance (dashboard off; token
      authentication off, which is safe only because the instance is this machine's own and ends with the process).
    """
    import ray

    if address is not None and (not isinstance(address, str) or not address):
        raise AsktellTypeError(f"`address` must be a non-empty string like 'auto' or 'host:6379', but got {address!r}")
    kwargs = dict(init_kwargs or {})
    if ray.is_initialized():
        if address is not None:
            logger.info("Ray is already initialized in this process; ignoring address=%r", address)
        return False
    kwargs.setdefault("logging_level", logging.WARNING)
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address is not None:
        try:
            ray.init(address=address, **kwargs)
        except ConnectionError as exc:
            raise AsktellValueError(f"cannot connect to the Ray cluster at address={address!r}: {exc}") from exc
        return False
    kwargs.setdefault("include_dashboard", False)
    previous = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"
    try:
        ray.init(address="local", **kwargs)
    finally:
        if previous is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = previous
    logger.info("started a local Ray instance: %s", ray.cluster_resources())
    return True


def node_resources() -> list[dict[str, float]]:
    """The total resources of every live node."""
    import ray

    return [dict(node["Resources"]) for node in ray.nodes() if node.get("Alive")]
