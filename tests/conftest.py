"""Shared fixtures. `ray_cluster`: one local Ray instance for the whole test session (8 CPUs, 2 logical GPUs)."""
from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def experiment_folders_in_tmp(tmp_path, monkeypatch):
    """Every run() of a test writes its experiment folder under the test's tmp_path (never ~/hpo_results), and
    journals without fsync (tests kill processes, not machines); tests of durability set their own values."""
    monkeypatch.setenv("ASKTELL_STORAGE_PATH", str(tmp_path / "hpo_results"))
    monkeypatch.setenv("ASKTELL_JOURNAL_FSYNC", "0")


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray (num_cpus=8, num_gpus=2, no dashboard, token auth off) shared by every Ray test of the session.

    Yields `ray.cluster_resources()`. A test that needs its own Ray instance (a multi-node `ray.cluster_utils.Cluster`)
    runs it in a subprocess so this one stays up. Skips when ray is not installed.
    """
    ray = pytest.importorskip("ray")
    os.environ["RAY_AUTH_MODE"] = "disabled"  # a throwaway local instance bound to this machine
    started = not ray.is_initialized()
    if started:
        ray.init(
            address="local",
            num_cpus=8,
            num_gpus=2,
            include_dashboard=False,
            logging_level="warning",
            log_to_driver=True,
        )
    try:
        yield ray.cluster_resources()
    finally:
        if started:
            ray.shutdown()
