"""Schedulers end to end: PBT beats the same population without exploit on a learning-rate schedule; the
chapter's example 5-9 (HyperBand, no checkpoints) runs with `hpo_core.run` and records no result twice."""
from __future__ import annotations

import pytest

import hpo_core
from hpo_core import Decision, Experiment, FIFOScheduler, TrialStatus, loguniform, report, uniform
from hpo_core.executors.serial import SerialExecutor
from hpo_core.schedulers import PB2, HyperBandScheduler, PopulationBasedTraining


def expected_loss_after_step(loss: float, lr: float) -> float:
    """SGD on f(w) = w²/2 with unit gradient noise: E[w²] after one step (large lr learns fast but plateaus high)."""
    return (1 - lr) ** 2 * loss + lr ** 2


def run_population(scheduler, *, steps=100, population=8, seed=1):
    exp = Experiment({"lr": loguniform(1e-3, 1.0)}, scheduler=scheduler, num_samples=population, seed=seed,
                     stop={"t": steps})  # the stop rule comes first: no exploit at the last step
    running: dict[str, tuple[int, float]] = {}
    while not exp.is_finished():
        while (s := exp.ask()) is not None:
            running[s.trial_id] = s.checkpoint if s.checkpoint is not None else (0, 10.0)
        for trial_id in list(running):
            t, loss = running[trial_id]
            t, loss = t + 1, expected_loss_after_step(loss, exp.trials[trial_id].config["lr"])
            decision = exp.tell(trial_id, {"t": t, "loss": loss}, checkpoint=(t, loss))
            running[trial_id] = (t, loss)
            if decision is not Decision.CONTINUE:
                del running[trial_id]
    return exp


def test_pbt_beats_the_same_population_without_exploit():
    fixed = run_population(FIFOScheduler())
    pbt = run_population(PopulationBasedTraining(
        time_attr="t", metric="loss", mode="min", perturbation_interval=10,
        hyperparam_mutations={"lr": loguniform(1e-4, 1.0)}))
    assert [t.config for t in fixed.trials.values()] == [t.exploits[0]["old_config"] if t.exploits else t.config
                                                         for t in pbt.trials.values()]  # same initial population
    best_fixed = min(t.last_result["loss"] for t in fixed.trials.values())
    best_pbt = min(t.last_result["loss"] for t in pbt.trials.values())
    assert sum(len(t.exploits) for t in pbt.trials.values()) >= 5
    assert all(t.last_result["t"] == 100 for t in pbt.trials.values())
    assert best_pbt < 0.9 * best_fixed, (best_pbt, best_fixed)


@pytest.mark.slow
def test_pb2_explores_within_bounds_and_beats_the_fixed_population():
    fixed = run_population(FIFOScheduler(), population=6)
    pb2 = run_population(PB2(time_attr="t", metric="loss", mode="min", perturbation_interval=10,
                             hyperparam_bounds={"lr": [1e-3, 0.5]}), population=6)
    new_lrs = [e["new_config"]["lr"] for t in pb2.trials.values() for e in t.exploits]
    assert len(new_lrs) >= 3 and all(1e-3 <= lr <= 0.5 for lr in new_lrs)
    best_fixed = min(t.last_result["loss"] for t in fixed.trials.values())
    assert min(t.last_result["loss"] for t in pb2.trials.values()) < best_fixed


def objective(config):
    """The chapter's example 5-8: intermediate scores, no checkpoints."""
    for step in range(30):
        score = config["weight"] * (step ** 0.5) + config["bias"]
        report(score=score)


@pytest.mark.slow
def test_example_5_9_hyperband_without_checkpoints_records_each_step_once(tmp_path):
    analysis = hpo_core.run(
        objective, config={"weight": uniform(0, 1), "bias": uniform(0, 1)},
        scheduler=HyperBandScheduler(metric="score", mode="min"), num_samples=10, seed=0,
        executor=SerialExecutor(), storage_path=str(tmp_path), verbose=0,
    )
    lengths = []
    for trial in analysis.trials:
        iterations = [r["training_iteration"] for r in trial.results]
        assert iterations == list(range(1, len(iterations) + 1)), trial
        assert trial.status is TrialStatus.TERMINATED
        lengths.append(len(iterations))
    # 5 trials in bracket (5, 81) run all 30 steps; 5 in bracket (8, 27) meet at step 27, where 2 are stopped and the
    # 3 best, restarted from scratch (no checkpoint) with their first 27 reports dropped, finish their 30 steps
    assert sorted(lengths) == [27, 27] + [30] * 8
    best = analysis.get_best_config(metric="score", mode="min")
    finals = {tuple(sorted(t.config.items())): t.last_result["score"] for t in analysis.trials if len(t.results) == 30}
    assert finals[tuple(sorted(best.items()))] == min(finals.values())


def quadratic_trainable(config):
    """Restores (t, loss) from its checkpoint (its own after a pause, a donor's after an exploit)."""
    t, loss = hpo_core.get_checkpoint() or (0, 10.0)
    while t < 40:
        t, loss = t + 1, expected_loss_after_step(loss, config["lr"])
        report({"t": t, "loss": loss}, checkpoint=(t, loss))


def pbt_run(trainable, tmp_path):
    return hpo_core.run(
        trainable, config={"lr": loguniform(1e-3, 1.0)}, num_samples=4, seed=0, executor=SerialExecutor(),
        scheduler=PopulationBasedTraining(time_attr="t", metric="loss", mode="min", perturbation_interval=10,
                                          hyperparam_mutations={"lr": loguniform(1e-4, 1.0)}),
        storage_path=str(tmp_path), verbose=0,
    )


@pytest.mark.slow
def test_pbt_with_run_and_serial_executor(tmp_path):
    analysis = pbt_run(quadratic_trainable, tmp_path)
    exploits = [e for t in analysis.trials for e in t.exploits]
    assert exploits and all(e["donor"] in {t.trial_id for t in analysis.trials} for e in exploits)
    for trial in analysis.trials:
        assert trial.status is TrialStatus.TERMINATED
        ts = [r["t"] for r in trial.results]
        # results step by one, except where an exploit restarted the trial from its donor's (earlier or later) state
        jumps = [i for i in range(1, len(ts)) if ts[i] != ts[i - 1] + 1]
        assert len(jumps) <= len(trial.exploits) and ts[0] == 1
        assert [r["training_iteration"] for r in trial.results] == ts  # iteration restored with the checkpoint
        assert trial.config == (trial.exploits[-1]["new_config"] if trial.exploits else trial.config)


def test_pbt_run_without_checkpoints_fails_with_the_fix(tmp_path):
    def no_checkpoints(config):
        for t in range(1, 40):
            report({"t": t, "loss": config["lr"] * t})

    with pytest.raises(hpo_core.AsktellValueError, match=r"never reported one: save a checkpoint"):
        pbt_run(no_checkpoints, tmp_path)
