"""RayExecutor faults on a real Ray: a killed actor, a removed node (own cluster, in a subprocess), exceptions,
Ctrl-C in the driver loop."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import cloudpickle
import pytest

import hpo_core
from hpo_core.enums import TrialStatus

pytest.importorskip("ray")
import ray

import hpo_ray
from hpo_ray import RayExecutor

cloudpickle.register_pickle_by_value(sys.modules[__name__])
pytestmark = pytest.mark.ray
HERE = os.path.dirname(os.path.abspath(__file__))


def quiet(tmp_path, **kwargs):
    return {"verbose": 0, "storage_path": str(tmp_path / "runs"), **kwargs}


def _self_killing_trial(config):
    """Checkpoints every step; a victim's first attempt kills its own actor (`ray.kill`) at step 3."""
    checkpoint = hpo_core.get_checkpoint()
    step = checkpoint["step"] if checkpoint else 0
    restored = step
    while step < 6:
        step += 1
        if config["victim"] and checkpoint is None and step == 3:
            ray.kill(ray.get_runtime_context().current_actor)
            time.sleep(120)
        hpo_core.report({"loss": step, "step": step, "restored": restored}, checkpoint={"step": step})


@pytest.mark.slow
def test_killed_actor_is_retried_from_its_last_checkpoint(ray_cluster, tmp_path):
    space = {"victim": hpo_core.grid_search([True, False])}
    analysis = hpo_ray.run(_self_killing_trial, space, metric="loss", mode="min", max_failures=1,
                           executor=RayExecutor(max_report_lag=1), **quiet(tmp_path))
    victim, other = analysis.trials
    assert victim.status is TrialStatus.TERMINATED and victim.num_failures == 1
    assert [r["training_iteration"] for r in victim.results] == [1, 2, 3, 4, 5, 6]
    assert [r["restored"] for r in victim.results] == [0, 0, 2, 2, 2, 2]  # resumed from the step-2 checkpoint
    assert other.status is TrialStatus.TERMINATED and other.num_failures == 0 and len(other.results) == 6


@pytest.mark.slow
def test_killed_actor_without_retries_errors_and_others_finish(ray_cluster, tmp_path):
    space = {"victim": hpo_core.grid_search([False, True])}
    analysis = hpo_ray.run(_self_killing_trial, space, metric="loss", mode="min", max_failures=0,
                           raise_on_failed_trial=False, executor=RayExecutor(max_report_lag=1), **quiet(tmp_path))
    statuses = {t.config["victim"]: [] for t in analysis.trials}
    for t in analysis.trials:
        statuses[t.config["victim"]].append(t.status)
    assert statuses == {True: [TrialStatus.ERROR], False: [TrialStatus.TERMINATED]}
    victim = next(t for t in analysis.trials if t.config["victim"])
    assert "died" in victim.error
    assert all(len(t.results) == 6 for t in analysis.trials if not t.config["victim"])


def test_trainable_exception_is_an_error_with_the_remote_traceback(ray_cluster, tmp_path):
    def trial(config):
        hpo_core.report(loss=1.0)
        raise KeyError("missing-thing")

    analysis = hpo_ray.run(trial, {}, metric="loss", mode="min", raise_on_failed_trial=False, **quiet(tmp_path))
    (only,) = analysis.trials
    assert only.status is TrialStatus.ERROR and len(only.results) == 1
    assert "Traceback" in only.error and "KeyError: 'missing-thing'" in only.error and "failed on Ray" in only.error


class Interrupt(hpo_core.Callback):
    def on_trial_result(self, iteration, trials, trial, result, **info):
        if result["training_iteration"] == 2:
            raise KeyboardInterrupt


def _long_trial(config):
    folder = config["folder"]
    name = str(config["i"])
    open(os.path.join(folder, "started-" + name), "w").close()
    try:
        for step in range(1000):
            time.sleep(0.02)
            hpo_core.report({"loss": step})
    finally:
        open(os.path.join(folder, "ended-" + name), "w").close()


def test_ctrl_c_in_the_driver_stops_every_trial(ray_cluster, tmp_path):
    folder = tmp_path / "marks"
    folder.mkdir()
    space = {"i": hpo_core.grid_search([0, 1]), "folder": str(folder)}
    with pytest.raises(KeyboardInterrupt):
        hpo_ray.run(_long_trial, space, metric="loss", mode="min", callbacks=[Interrupt()], **quiet(tmp_path))
    started = {p.name.split("-")[1] for p in folder.glob("started-*")}
    ended = {p.name.split("-")[1] for p in folder.glob("ended-*")}
    assert started and ended == started  # each trainable got STOP at a report and unwound (its `finally` ran)


def _cluster_child(mode: str) -> dict:
    """Run tests/ray_cluster_child.py in `mode` (its own multi-node cluster) and return the JSON it prints."""
    pytest.importorskip("ray.cluster_utils")
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    done = subprocess.run([sys.executable, os.path.join(HERE, "ray_cluster_child.py"), mode], capture_output=True,
                          text=True, timeout=400, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_removed_node_mid_trial_is_retried_elsewhere_from_its_checkpoint():
    report = _cluster_child("retry")
    removed = report["removed"]
    assert removed is not None
    trials = {t["id"]: t for t in report["trials"]}
    assert all(t["status"] == "TERMINATED" for t in trials.values())
    assert all(t["steps"] == list(range(1, 9)) and t["iterations"] == list(range(1, 9)) for t in trials.values())
    victim = trials[removed["trial"]]
    assert victim["failures"] == 1
    restarted = [i for i, r in enumerate(victim["restored"]) if r > 0]
    assert restarted and victim["restored"][restarted[0]] >= 3  # from the checkpoint it had when its node went
    assert all(node != removed["node"] for node in victim["nodes"][restarted[0]:])  # on another node


@pytest.mark.slow
def test_a_cluster_that_lost_every_node_able_to_run_a_trial_fails_the_run_after_unfit_timeout():
    report = _cluster_child("shrink")  # the only node with resource "special" goes; unfit_timeout_s=2
    assert report["error"] is not None and report["error"].startswith("AsktellValueError")
    assert "'special': 1" in report["error"] and "has not for" in report["error"]
    assert report["seconds"] < 120  # it did not wait forever
