"""`tune.Tuner` on Ray: `tune.Checkpoint` folders survive a node removal on a multi-node cluster and a driver kill
followed by `Tuner.restore` (tests/tuner_cluster_child.py, its own cluster in a subprocess)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import cloudpickle
import pytest

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # Ray's workers cannot import this test module
HERE = os.path.dirname(os.path.abspath(__file__))
pytestmark = [pytest.mark.slow, pytest.mark.ray]


@pytest.fixture(scope="module")
def cluster_report():
    pytest.importorskip("ray.cluster_utils")
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
    done = subprocess.run([sys.executable, os.path.join(HERE, "tuner_cluster_child.py")], capture_output=True,
                          text=True, timeout=600, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_checkpoint_folders_survive_a_node_removal(cluster_report):
    removed = cluster_report["removed"]
    assert removed is not None
    trials = {t["id"]: t for t in cluster_report["node_phase"]}
    assert all(t["status"] == "TERMINATED" and not t["error"] and t["saved"] == 8 for t in trials.values())
    assert all(t["steps"] == list(range(1, 9)) for t in trials.values())  # no step lost or made twice
    victim = trials[removed["trial"]]
    assert victim["failures"] == 1
    restarted = next(i for i, r in enumerate(victim["restored"]) if r > 0)
    assert victim["restored"][restarted] >= 3  # read back from the checkpoint folder it reported before
    assert all(node != removed["node"] for node in victim["nodes"][restarted:])


def test_checkpoint_folders_survive_a_driver_kill_and_tuner_restore(cluster_report):
    assert cluster_report["killed_rc"] == -9  # the first driver died by SIGKILL mid-run
    assert cluster_report["restorable"]
    restored = cluster_report["restored"]
    assert len(restored) == 2
    assert all(t["status"] == "TERMINATED" and not t["error"] and t["saved"] == 8 for t in restored)
    assert all(t["steps"] == list(range(1, 9)) for t in restored)
    assert any(r > 0 for t in restored for r in t["restored"])  # went on from a checkpoint folder, not from scratch


def _placement_group_trial(config):
    import ray

    from hpo_ray import tune

    @ray.remote(num_cpus=1)
    def child():
        return ray.get_runtime_context().get_placement_group_id()

    own = ray.get_runtime_context().get_placement_group_id()
    children = ray.get([child.remote() for _ in range(2)])
    tune.report({"group": own, "children_in_group": all(c == own for c in children)})


def test_placement_group_factory_reserves_real_placement_groups(ray_cluster):
    import ray

    from hpo_ray import tune

    factory = tune.PlacementGroupFactory([{"CPU": 1}, {"CPU": 1}, {"CPU": 1}])
    before = set(ray.util.placement_group_table())
    grid = tune.Tuner(tune.with_resources(_placement_group_trial, factory),
                      param_space={"x": tune.grid_search([1, 2, 3])}, run_config=tune.RunConfig(verbose=0)).fit()
    assert grid.num_errors == 0 and len(grid) == 3
    assert all(r.metrics["group"] is not None and r.metrics["children_in_group"] for r in grid)
    groups = {k: v for k, v in ray.util.placement_group_table().items() if k not in before}
    assert groups and {r.metrics["group"] for r in grid} <= set(groups)
    assert all(v["strategy"] == "PACK" and len(v["bundles"]) == 3 for v in groups.values())
    assert all(v["state"] == "REMOVED" for v in groups.values())  # given back with their workers
    with pytest.raises(ValueError, match="depend on the config"):
        tune.with_resources(_placement_group_trial, lambda config: {"cpu": 1})
