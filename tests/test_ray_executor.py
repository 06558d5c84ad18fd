"""RayExecutor on a real local Ray (the session's `ray_cluster`: 8 CPUs, 2 logical GPUs): resources, concurrency,
streaming reports with decisions, checkpoints across PAUSE/resume, ASHA early stopping, one-shot tasks."""
from __future__ import annotations

import os
import pickle
import sys
import time

import cloudpickle
import pytest

import hpo_core
from hpo_core.enums import Decision, TrialStatus
from hpo_core.errors import AsktellTypeError, AsktellValueError, TrialsFailedError
from hpo_core.schedulers import AsyncHyperBandScheduler, TrialScheduler
from hpo_core.session import get_session
from hpo_core.storage.checkpoints import DiskCheckpoint
from hpo_core.suggestion import ResumeRequest
from hpo_core.trainables import with_parameters

pytest.importorskip("ray")
import hpo_ray
from hpo_ray import RayCheckpoint, RayExecutor
from hpo_ray.checkpoint import encode
from hpo_ray.one_shot import looks_one_shot
from hpo_ray.resources import TrialResources

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # Ray workers cannot import this test module
pytestmark = pytest.mark.ray


def quiet(tmp_path, **kwargs):
    return {"verbose": 0, "storage_path": str(tmp_path / "runs"), **kwargs}


def overlap(intervals: list[tuple[float, float]]) -> int:
    """Most intervals open at one moment."""
    edges = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals], key=lambda x: (x[0], x[1]))
    most = now = 0
    for _, step in edges:
        now += step
        most = max(most, now)
    return most


def wait_for_peers(folder: str, name: str, peers: int, timeout: float = 90.0) -> int:
    """Mark `name` as started in `folder` and wait until `peers` trials have started; returns how many did."""
    open(os.path.join(folder, name), "w").close()
    deadline = time.time() + timeout
    while time.time() < deadline:
        seen = len(os.listdir(folder))
        if seen >= peers:
            return seen
        time.sleep(0.02)
    return len(os.listdir(folder))


# --- resources ---------------------------------------------------------------------------------------------------
def test_fractional_gpus_run_four_trials_at_once_each_seeing_its_device(ray_cluster, tmp_path):
    barrier = tmp_path / "started"
    barrier.mkdir()

    def trial(config):
        together = wait_for_peers(config["barrier"], f"t{config['i']}", 4)
        return {"loss": config["i"], "together": together, "cuda": os.environ.get("CUDA_VISIBLE_DEVICES")}

    space = {"i": hpo_core.grid_search([0, 1, 2, 3]), "barrier": str(barrier)}
    analysis = hpo_ray.run(trial, space, resources_per_trial={"cpu": 1, "gpu": 0.5}, **quiet(tmp_path))
    results = [t.last_result for t in analysis.trials]
    assert [r["together"] for r in results] == [4, 4, 4, 4]  # none could pass the barrier without the other three
    devices = sorted(r["cuda"] for r in results)
    assert devices == ["0", "0", "1", "1"]  # two trials share each logical GPU


def test_max_concurrent_trials_caps_running_trials(ray_cluster, tmp_path):
    def trial(config):
        start = time.time()
        for step in range(3):
            time.sleep(0.2)
            hpo_core.report({"loss": step, "start": start, "end": time.time()})

    analysis = hpo_ray.run(trial, {"i": hpo_core.grid_search(list(range(6)))}, max_concurrent_trials=2,
                           **quiet(tmp_path))
    intervals = [(t.results[0]["start"], t.results[-1]["end"]) for t in analysis.trials]
    assert len(intervals) == 6
    assert overlap(intervals) == 2


def test_impossible_request_fails_fast_with_a_clear_error(ray_cluster, tmp_path):
    with pytest.raises(AsktellValueError, match="gpu.*4|fits on no node"):
        hpo_ray.run(lambda c: {"loss": 1}, {}, resources_per_trial={"gpu": 4}, **quiet(tmp_path))
    with pytest.raises(AsktellValueError, match="no node"):
        hpo_ray.run(lambda c: {"loss": 1}, {}, resources_per_trial={"cpu": 1, "accelerator_x": 1},
                    **quiet(tmp_path))


@pytest.mark.parametrize("bad", [{"cpu": -1}, {"gpu": 1.5}, {"cpu": "two"}, {"node:x": 1}, {"cpu": 1, "CPU": 2}])
def test_bad_resource_requests_name_the_value(bad):
    with pytest.raises(AsktellValueError, match=r"resources_per_trial"):
        TrialResources.parse(bad)


def test_resources_translate_to_ray_options():
    options = TrialResources.parse({"cpu": 2, "GPU": 0.5, "memory": 2**30, "TPU": 1}).actor_options()
    assert options == {"num_cpus": 2.0, "num_gpus": 0.5, "memory": 2**30, "resources": {"TPU": 1.0}}
    assert TrialResources.parse({"gpu": 0.5}).capacity([{"CPU": 8, "GPU": 2}, {"CPU": 4}]) == 4
    with pytest.raises(AsktellTypeError):
        RayExecutor(resources_per_trial=[1])
    with pytest.raises(AsktellValueError, match="max_report_lag"):
        RayExecutor(max_report_lag=0)
    with pytest.raises(AsktellValueError, match="unfit_timeout_s.*-1"):
        RayExecutor(unfit_timeout_s=-1)


# --- reports, decisions, checkpoints ------------------------------------------------------------------------------
def _counting_trial(config):
    """Reports up to 40 times; counts the reports it really made in a file named after its trial."""
    path = os.path.join(config["folder"], get_session().trial_id)
    for step in range(40):
        with open(path, "a") as handle:
            handle.write("x")
        hpo_core.report({"loss": config["q"] + 1.0 / (step + 1)})


@pytest.mark.slow
def test_asha_early_stopped_trials_really_stop(ray_cluster, tmp_path):
    lag = 1  # each report waits for its decision (a larger lag's bound is checked in the STOP test below)
    folder = tmp_path / "counts"
    folder.mkdir()
    scheduler = AsyncHyperBandScheduler(max_t=40, grace_period=1, reduction_factor=3)
    analysis = hpo_ray.run(
        _counting_trial, {"q": hpo_core.uniform(0, 1), "folder": str(folder)}, num_samples=12, metric="loss",
        mode="min", scheduler=scheduler, seed=3, max_concurrent_trials=2, executor=RayExecutor(max_report_lag=lag),
        **quiet(tmp_path),
    )
    made = {t.trial_id: len((folder / t.trial_id).read_text()) for t in analysis.trials}
    told = {t.trial_id: len(t.results) for t in analysis.trials}
    rungs = {1, 3, 9, 27, 40}
    assert all(t.status is TrialStatus.TERMINATED for t in analysis.trials)
    assert set(told.values()) <= rungs and min(told.values()) < 40  # some trials were stopped early
    assert made == told  # a stopped trainable made no report beyond its rung


class PauseOnce(TrialScheduler):
    """Pauses every trial once at iteration 3, and resumes the paused ones when asked."""

    def __init__(self):
        super().__init__()
        self.paused: list[str] = []

    def on_trial_result(self, trial, result):
        if result["training_iteration"] == 3 and trial.trial_id not in self.paused:
            self.paused.append(trial.trial_id)
            return Decision.PAUSE
        return Decision.CONTINUE

    def next_resume(self, trials):
        paused = [t for t in trials if t.status is TrialStatus.PAUSED]
        return ResumeRequest(paused[0].trial_id) if paused else None


def _checkpointing_trial(config):
    checkpoint = hpo_core.get_checkpoint()
    step = checkpoint["step"] if checkpoint else 0
    restored = step
    while step < 6:
        step += 1
        time.sleep(0.02)
        hpo_core.report({"loss": config["x"] * step, "step": step, "restored": restored, "pid": os.getpid()},
                        checkpoint={"step": step})


@pytest.mark.slow
def test_pause_frees_the_slot_and_resume_restores_the_checkpoint(ray_cluster, tmp_path):
    scheduler = PauseOnce()
    analysis = hpo_ray.run(
        _checkpointing_trial, {"x": hpo_core.grid_search([1.0, 2.0, 3.0])}, metric="loss", mode="min",
        scheduler=scheduler, max_concurrent_trials=1, executor=RayExecutor(max_report_lag=4), **quiet(tmp_path),
    )
    assert sorted(scheduler.paused) == sorted(t.trial_id for t in analysis.trials)
    for trial in analysis.trials:
        assert trial.status is TrialStatus.TERMINATED
        assert [r["training_iteration"] for r in trial.results] == [1, 2, 3, 4, 5, 6]
        assert [r["step"] for r in trial.results] == [1, 2, 3, 4, 5, 6]  # nothing lost or repeated
        assert [r["restored"] for r in trial.results] == [0, 0, 0, 3, 3, 3]  # resumed from the step-3 checkpoint
        # a finished trial's checkpoint lives on disk only (issue 12 defect 8): its file holds the trainable's object
        assert isinstance(trial.checkpoint, DiskCheckpoint) and trial.checkpoint.load() == {"step": 6}


def test_stop_reaches_a_streaming_trial_and_later_reports_are_dropped(ray_cluster, tmp_path):
    folder = tmp_path / "counts"
    folder.mkdir()
    analysis = hpo_ray.run(
        _counting_trial, {"q": hpo_core.uniform(0, 1), "folder": str(folder)}, num_samples=3, metric="loss",
        mode="min", stop={"training_iteration": 5}, max_concurrent_trials=2, executor=RayExecutor(max_report_lag=8),
        **quiet(tmp_path),
    )
    for trial in analysis.trials:
        assert len(trial.results) == 5 and trial.status is TrialStatus.TERMINATED
        assert 5 <= len((folder / trial.trial_id).read_text()) <= 5 + 8


def test_checkpoint_pickles_to_the_trainables_object(ray_cluster):
    value = {"weights": list(range(100)), "step": 7}
    checkpoint = RayCheckpoint(encode(value))
    assert checkpoint.get() == value
    assert pickle.loads(pickle.dumps(checkpoint)) == value  # what the experiment folder stores


# --- one-shot tasks ----------------------------------------------------------------------------------------------
def _helper_reports(step):
    hpo_core.report({"loss": float(step)})


def test_one_shot_detection():
    def returns(config):
        return {"loss": config["x"]}

    def reports(config):
        hpo_core.report(loss=1.0)

    def nested(config):
        def inner():
            hpo_core.report(loss=1.0)
        inner()

    assert looks_one_shot(returns) and looks_one_shot(lambda c: {"loss": 1})
    assert not looks_one_shot(reports) and not looks_one_shot(nested)
    assert not looks_one_shot(with_parameters(reports, data=1))
    assert looks_one_shot(_helper_reports) is False


def test_a_trainable_that_reports_through_a_helper_moves_from_task_to_actor(ray_cluster, tmp_path):
    def sneaky(config):  # the report is in a helper: it looks one-shot, and runs as a task first
        for step in range(10):
            _helper_reports(step + config["x"])

    assert looks_one_shot(sneaky)
    analysis = hpo_ray.run(sneaky, {"x": hpo_core.grid_search([0.0, 1.0, 2.0])}, metric="loss", mode="min",
                           stop={"training_iteration": 4}, max_concurrent_trials=1, **quiet(tmp_path))
    for trial in analysis.trials:  # STOP reached it: it ran in an actor, no report lost or doubled
        assert [r["loss"] for r in trial.results] == [trial.config["x"] + s for s in range(4)]
        assert trial.status is TrialStatus.TERMINATED and trial.num_failures == 0


def test_one_shot_trials_and_their_errors(ray_cluster, tmp_path):
    def trial(config):
        if config["x"] == 2:
            raise ZeroDivisionError("remote boom")
        return {"loss": config["x"] ** 2, "pid": os.getpid()}

    space = {"x": hpo_core.grid_search([0, 1, 2, 3])}
    with pytest.raises(TrialsFailedError, match="1 trial"):
        hpo_ray.run(trial, space, metric="loss", mode="min", max_concurrent_trials=2, **quiet(tmp_path))
    analysis = hpo_ray.run(trial, space, metric="loss", mode="min", raise_on_failed_trial=False,
                           max_concurrent_trials=2, **quiet(tmp_path))
    by_x = {t.config["x"]: t for t in analysis.trials}
    assert by_x[2].status is TrialStatus.ERROR
    assert "ZeroDivisionError: remote boom" in by_x[2].error and "Traceback" in by_x[2].error
    assert {x: t.last_result["loss"] for x, t in by_x.items() if x != 2} == {0: 0, 1: 1, 3: 9}
    assert all(t.last_result["pid"] != os.getpid() for x, t in by_x.items() if x != 2)


def _pbt_trial(config):
    checkpoint = hpo_core.get_checkpoint() or {"value": 0.0, "step": 0, "owner": get_session().trial_id}
    value, step, owner = checkpoint["value"], checkpoint["step"], checkpoint["owner"]
    while step < 24:
        step += 1
        value += config["lr"]
        time.sleep(0.005)
        hpo_core.report({"score": value, "restored_from": owner},
                        checkpoint={"value": value, "step": step, "owner": get_session().trial_id})


@pytest.mark.slow
def test_pbt_exploit_restores_the_donors_checkpoint_on_ray(ray_cluster, tmp_path):
    from hpo_core.schedulers import PopulationBasedTraining

    # synch: the population perturbs in lockstep, so a donor is never already at the last step when it is copied
    # (asynchronously, a donor that ran ahead to step 24 leaves its copy nothing to report, which is correct PBT
    # but makes "some result came from a donor's state" depend on the machine's load)
    pbt = PopulationBasedTraining(time_attr="training_iteration", perturbation_interval=4, synch=True,
                                  hyperparam_mutations={"lr": [0.1, 1.0, 2.0, 4.0]}, quantile_fraction=0.25)
    analysis = hpo_ray.run(_pbt_trial, {"lr": hpo_core.grid_search([0.1, 0.2, 3.0, 4.0])}, metric="score",
                           mode="max", scheduler=pbt, seed=1, executor=RayExecutor(max_report_lag=1),
                           **quiet(tmp_path))
    exploited = [t for t in analysis.trials if t.exploits]
    assert exploited  # the weakest trials copied a stronger one
    restored_any = False
    for trial in exploited:
        donors = {e["donor"] for e in trial.exploits}
        restored = {r["restored_from"] for r in trial.results} - {trial.trial_id}
        assert restored <= donors  # what the trainable restored is a donor's checkpoint
        restored_any = restored_any or bool(restored)
    assert restored_any
    assert all(t.status is TrialStatus.TERMINATED and t.results[-1]["training_iteration"] == 24
               for t in analysis.trials)
