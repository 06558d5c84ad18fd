"""Child process for tests/test_tuner_ray.py, apart from the shared test Ray instance: a `ray.cluster_utils.Cluster`
(a head without CPUs and two worker nodes). Trials write `tune.Checkpoint` folders.

1. A `Tuner` run whose trial loses its node at iteration 3 (the node is removed): the trial goes on elsewhere
   from its checkpoint folder.
2. A driver (`driver` mode, a grandchild joined to the same cluster) is SIGKILLed at iteration 3; this process
   then `Tuner.restore`s the experiment and finishes it.
Prints one JSON line with what each phase saw.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

os.environ["RAY_AUTH_MODE"] = "disabled"

import cloudpickle
import ray

from hpo_ray import tune

cloudpickle.register_pickle_by_value(sys.modules[__name__])


def train(config):
    step = restored = 0
    checkpoint = tune.get_checkpoint()
    if checkpoint:
        with checkpoint.as_directory() as folder, open(os.path.join(folder, "state.json")) as handle:
            step = restored = json.load(handle)["step"]
    node = ray.get_runtime_context().get_node_id()
    while step < 8:
        step += 1
        time.sleep(0.15)
        with tempfile.TemporaryDirectory() as folder:
            with open(os.path.join(folder, "state.json"), "w") as handle:
                json.dump({"step": step}, handle)
            tune.report({"loss": config["x"] * step, "step": step, "restored": restored, "node": node},
                        checkpoint=tune.Checkpoint.from_directory(folder))


class RemoveNode(tune.Callback):
    def __init__(self, cluster, nodes):
        self.cluster, self.nodes, self.removed = cluster, nodes, None

    def on_trial_result(self, iteration, trials, trial, result, **info):
        if self.removed is None and result["training_iteration"] == 3:
            self.removed = {"trial": trial.trial_id, "node": result["node"]}
            self.cluster.remove_node(next(n for n in self.nodes if n.node_id == result["node"]))


class KillDriver(tune.Callback):
    """SIGKILLs the driver that made it at a trial's third result (restored with the Tuner's settings into the
    restoring process, where it does nothing)."""

    def __init__(self):
        self.pid = os.getpid()

    def on_trial_result(self, iteration, trials, trial, result, **info):
        if result["training_iteration"] == 3 and os.getpid() == self.pid:
            os.kill(os.getpid(), signal.SIGKILL)


def tuner(storage: str, name: str, callbacks: list) -> tune.Tuner:
    return tune.Tuner(
        train, param_space={"x": tune.grid_search([1, 2])},
        tune_config=tune.TuneConfig(metric="loss", mode="min", seed=0),
        run_config=tune.RunConfig(name=name, storage_path=storage, callbacks=callbacks, verbose=0,
                                  failure_config=tune.FailureConfig(max_failures=2)),
    )


def summary(grid) -> list[dict]:
    out = []
    for result in grid:
        with result.checkpoint.as_directory() as folder, open(os.path.join(folder, "state.json")) as handle:
            saved = json.load(handle)["step"]
        frame = result.metrics_dataframe
        out.append({"id": result.trial.trial_id, "status": result.trial.status.name, "saved": saved,
                    "steps": frame["step"].tolist(), "restored": frame["restored"].tolist(),
                    "nodes": frame["node"].tolist(), "failures": result.trial.num_failures,
                    "error": result.error is not None})
    return out


def main() -> None:
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, connect=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    storage = tempfile.mkdtemp()
    try:
        nodes = [cluster.add_node(num_cpus=1) for _ in range(2)]
        cluster.wait_for_nodes()
        remover = RemoveNode(cluster, nodes)
        node_phase = summary(tuner(storage, "node", [remover]).fit())
        cluster.add_node(num_cpus=1)  # two nodes again for the second phase
        cluster.wait_for_nodes()
        env = {**os.environ, "RAY_ADDRESS": cluster.address}
        killed = subprocess.run([sys.executable, __file__, "driver", storage], env=env, timeout=300, check=False,
                                capture_output=True, text=True)
        path = os.path.join(storage, "killed")
        restorable = tune.Tuner.can_restore(path)
        restored = summary(tune.Tuner.restore(path, trainable=train).fit()) if restorable else []
        print(json.dumps({"removed": remover.removed, "node_phase": node_phase, "killed_rc": killed.returncode,
                          "restorable": restorable, "restored": restored}))
    finally:
        ray.shutdown()
        cluster.shutdown()


if __name__ == "__main__":
    if sys.argv[1:2] == ["driver"]:
        ray.init(address=os.environ["RAY_ADDRESS"])
        tuner(sys.argv[2], "killed", [KillDriver()]).fit()
    else:
        main()
