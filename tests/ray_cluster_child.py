"""Child process for tests/test_ray_faults.py, apart from the shared test Ray instance: a head and worker nodes of a
`ray.cluster_utils.Cluster` on this machine; the node running a trial is removed mid-trial.

* `retry`: 2 worker nodes; prints the trials as JSON.
* `shrink`: 1 worker node, the only one with the resource the trials ask for; prints the run's error as JSON.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time

os.environ["RAY_AUTH_MODE"] = "disabled"

import cloudpickle
import ray
from ray.cluster_utils import Cluster

import hpo_core
import hpo_ray

cloudpickle.register_pickle_by_value(sys.modules[__name__])


def trial(config):
    checkpoint = hpo_core.get_checkpoint()
    step = checkpoint["step"] if checkpoint else 0
    restored = step
    node = ray.get_runtime_context().get_node_id()
    while step < 8:
        step += 1
        time.sleep(0.1)
        hpo_core.report({"loss": config["x"] * step, "step": step, "restored": restored, "node": node},
                        checkpoint={"step": step})


class RemoveNode(hpo_core.Callback):
    """At the first result with training_iteration 3, remove the node that made it."""

    def __init__(self, cluster, nodes):
        self.cluster, self.nodes, self.removed = cluster, nodes, None

    def on_trial_result(self, iteration, trials, trial, result, **info):
        if self.removed is None and result["training_iteration"] == 3:
            victim = next(n for n in self.nodes if n.node_id == result["node"])
            self.removed = {"trial": trial.trial_id, "node": result["node"]}
            self.cluster.remove_node(victim)


def main() -> None:
    cluster = Cluster(initialize_head=True, connect=True,
                      head_node_args={"num_cpus": 0, "include_dashboard": False})
    try:
        {"shrink": shrink, "retry": retry}[sys.argv[1]](cluster)
    finally:
        ray.shutdown()
        cluster.shutdown()


def shrink(cluster) -> None:
    nodes = [cluster.add_node(num_cpus=1, resources={"special": 1})]
    cluster.wait_for_nodes()
    started = time.monotonic()
    try:
        hpo_ray.run(trial, {"x": hpo_core.grid_search([1.0, 2.0])}, metric="loss", mode="min", max_failures=2,
                    executor=hpo_ray.RayExecutor(resources_per_trial={"cpu": 1, "special": 1}, unfit_timeout_s=2),
                    callbacks=[RemoveNode(cluster, nodes)], verbose=0,
                    storage_path=tempfile.mkdtemp(prefix="asktell-ray-cluster-"))
    except Exception as exc:  # noqa: BLE001 - the test reads whatever the run ended with
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}", "seconds": time.monotonic() - started}))
    else:
        print(json.dumps({"error": None, "seconds": time.monotonic() - started}))


def retry(cluster) -> None:
    nodes = [cluster.add_node(num_cpus=1) for _ in range(2)]
    cluster.wait_for_nodes()
    remover = RemoveNode(cluster, nodes)
    analysis = hpo_ray.run(trial, {"x": hpo_core.grid_search([1.0, 2.0])}, metric="loss", mode="min",
                           max_failures=2, callbacks=[remover], verbose=0,
                           storage_path=tempfile.mkdtemp(prefix="asktell-ray-cluster-"))
    trials = [{"id": t.trial_id, "status": t.status.name, "failures": t.num_failures,
               "steps": [r["step"] for r in t.results], "iterations": [r["training_iteration"] for r in t.results],
               "restored": [r["restored"] for r in t.results], "nodes": [r["node"] for r in t.results]}
              for t in analysis.trials]
    print(json.dumps({"removed": remover.removed, "trials": trials}))


if __name__ == "__main__":
    main()
