"""Child process for the crash/resume tests: runs (or resumes) a small experiment and can freeze at a chosen point
so the test can SIGKILL it there. Usage: python storage_child.py <storage> <name> <resume>, with the freeze point in
$FREEZE, the executor in $EXECUTOR and the experiment in $EXPERIMENT ("stopper", the default, or "pbt")."""
from __future__ import annotations

import json
import os
import sys
import time

import hpo_core
from hpo_core import Callback, Decision, ProcessExecutor, SerialExecutor, TrialScheduler, report, uniform
from hpo_core.session import get_checkpoint, get_session
from hpo_core.storage import journal as journal_module

STEPS = 6


def freeze(marker: str) -> None:
    """Wait to be killed; a pool worker whose driver was killed (its parent changes) leaves too."""
    parent = os.getppid()
    with open(marker, "w") as handle:
        handle.write(str(os.getpid()))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and os.getppid() == parent:
        time.sleep(0.05)
    os._exit(3)


class RandomStopper(TrialScheduler):
    """Uses its rng and the history of results: stops about a third of trials after step 3 at random,
    and any trial worse than every finished one at step 4."""

    def __init__(self) -> None:
        super().__init__()
        self.finished: list[float] = []

    def on_trial_result(self, trial, result):
        if result["training_iteration"] == 3 and self.rng.random() < 0.33:
            return Decision.STOP
        if result["training_iteration"] == 4 and self.finished and result["score"] > max(self.finished):
            return Decision.STOP
        return Decision.CONTINUE

    def on_trial_complete(self, trial, result):
        if result:
            self.finished.append(result["score"])


def trainable(config):
    spec = json.loads(os.environ.get("FREEZE", "{}"))
    state = get_checkpoint() or {"step": 0}
    trial_id = get_session().trial_id
    if os.environ.get("STARTS_LOG"):  # where each run of a trial started: after a restore, past its checkpoint
        with open(os.environ["STARTS_LOG"], "a") as handle:
            handle.write(f"{trial_id} {state['step'] + 1}\n")
    for step in range(state["step"] + 1, STEPS + 1):
        if spec.get("at") == "trial" and spec["trial"] == trial_id and spec["step"] == step:
            freeze(spec["marker"])
        score = config["a"] * step + config["b"]
        report({"score": score, "step": step}, checkpoint={"step": step} if step % 2 == 0 else None)


def pbt_member(config):
    """A PBT population member whose checkpoint names the trial that wrote it; every start is logged."""
    spec = json.loads(os.environ.get("FREEZE", "{}"))
    me = get_session().trial_id
    state = get_checkpoint() or {"step": 0, "score": 0.0, "owner": me}
    if os.environ.get("STARTS_LOG"):
        with open(os.environ["STARTS_LOG"], "a") as handle:
            handle.write(json.dumps([me, state["owner"], state["step"], state["score"]]) + "\n")
    if spec.get("at") == "exploit" and state["owner"] != me:  # right after the first exploit
        freeze(spec["marker"])
    while state["step"] < 12:
        state = {"step": state["step"] + 1, "score": state["score"] + config["lr"], "owner": me}
        report({"score": state["score"]}, checkpoint=state)


def run_pbt(storage, name, resume, *, callbacks=(), max_failures=0, trainable=pbt_member):
    from hpo_core.schedulers import PopulationBasedTraining

    pbt = PopulationBasedTraining(time_attr="training_iteration", perturbation_interval=3,
                                  hyperparam_mutations={"lr": [0.1, 0.5, 1.0, 2.0]})
    return hpo_core.run(trainable, {"lr": hpo_core.grid_search([0.1, 0.5, 1.0, 2.0])}, metric="score", mode="max",
                        scheduler=pbt, executor=SerialExecutor(), storage_path=storage, name=name, resume=resume,
                        callbacks=list(callbacks), max_failures=max_failures, seed=2, verbose=0)


class FreezeAfterComplete(Callback):
    def __init__(self, spec):
        self.spec = spec

    def on_trial_complete(self, iteration, trials, trial, **info):
        if self.spec.get("at") == "between" and trial.trial_id == self.spec["trial"]:
            freeze(self.spec["marker"])


def main() -> None:
    storage, name, resume = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    spec = json.loads(os.environ.get("FREEZE", "{}"))
    if spec.get("at") == "write":  # tear the journal: write `part` (default: half) of record `record`, then freeze
        original = journal_module.Journal.write

        def torn_write(self, record, **options):
            if self.records_written + 1 == spec["record"]:
                line = (journal_module.dumps(record) + "\n").encode()
                self._handle.write(line[: int(len(line) * spec.get("part", 0.5))])
                freeze(spec["marker"])
            original(self, record, **options)

        journal_module.Journal.write = torn_write
    if os.environ.get("EXPERIMENT") == "pbt":
        run_pbt(storage, name, resume)
        return
    run_experiment(storage, name, resume, executor=os.environ.get("EXECUTOR", "serial"),
                   callbacks=[FreezeAfterComplete(spec)])


def run_experiment(storage, name, resume, *, executor="serial", callbacks=()):
    """The experiment of these tests (the test process runs the reference and the resumes with it)."""
    return hpo_core.run(
        trainable, {"a": uniform(0, 1), "b": uniform(0, 1)}, num_samples=8, metric="score", mode="min",
        scheduler=RandomStopper(), executor=ProcessExecutor(2) if executor == "process" else SerialExecutor(),
        storage_path=storage, name=name, resume=resume, callbacks=list(callbacks), seed=7, verbose=0,
    )


if __name__ == "__main__":
    main()
