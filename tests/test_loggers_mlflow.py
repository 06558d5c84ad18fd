"""MLflowLoggerCallback against real local MLflow stores (SQLite and a folder), read back with mlflow's own API."""
from __future__ import annotations

import pytest

import hpo_core
from hpo_core import SerialExecutor, choice, report, uniform
from hpo_core.errors import AsktellTypeError, AsktellValueError
from hpo_core.loggers import MLflowLoggerCallback

mlflow = pytest.importorskip("mlflow")


def _train(config):
    if config["opt"] == "broken":
        report(loss=9.0)
        raise ValueError("exploded at step 2")
    for step in range(1, 6):
        report(loss=config["lr"] / step, acc=step / 10)


def _tune(callback, root, num_samples=5):
    return hpo_core.run(_train, {"lr": uniform(0.1, 1.0), "opt": choice(["sgd", "adam", "broken"])},
                        num_samples=num_samples, metric="loss", mode="min", executor=SerialExecutor(), seed=4,
                        storage_path=root, name="mlf", verbose=0, callbacks=[callback],
                        raise_on_failed_trial=False)


@pytest.mark.slow  # a new SQLite store runs MLflow's schema migrations (~20 s here)
def test_one_run_per_trial_with_every_step_in_a_sqlite_store(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    analysis = _tune(MLflowLoggerCallback(uri, experiment_name="tuning", tags={"team": "hpo"}), tmp_path)
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    mlflow.set_tracking_uri(uri)
    try:
        runs = mlflow.search_runs(experiment_names=["tuning"], output_format="list")
    finally:
        mlflow.set_tracking_uri(None)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    children = {r.data.tags["trial_id"]: r for r in runs if "mlflow.parentRunId" in r.data.tags}
    assert len(parents) == 1 and parents[0].info.status == "FINISHED"
    assert sorted(children) == sorted(t.trial_id for t in analysis.trials)
    statuses = set()
    for trial in analysis.trials:
        run = children[trial.trial_id]
        assert run.data.tags["mlflow.parentRunId"] == parents[0].info.run_id and run.data.tags["team"] == "hpo"
        assert run.data.params == {"lr": str(trial.config["lr"]), "opt": trial.config["opt"]}
        history = client.get_metric_history(run.info.run_id, "loss")
        assert [(m.step, m.value) for m in sorted(history, key=lambda m: m.step)] == \
            [(r["training_iteration"], r["loss"]) for r in trial.results]
        expected = "FAILED" if trial.status.name == "ERROR" else "FINISHED"
        assert run.info.status == expected
        statuses.add(expected)
        if expected == "FAILED":
            assert "exploded at step 2" in run.data.tags["error"]
    assert statuses == {"FAILED", "FINISHED"}  # the seed gives both kinds


def test_folder_store_and_artifacts_on_request(tmp_path, monkeypatch):
    uri = str(tmp_path / "mlruns")
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    with pytest.raises(AsktellValueError, match="tracking_uri"):  # refused when made, not at every report
        MLflowLoggerCallback(uri)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3's opt-in for its folder store
    analysis = _tune(MLflowLoggerCallback(uri, save_artifact=True), tmp_path, num_samples=2)
    client = mlflow.tracking.MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name("mlf")  # named after the experiment folder
    runs = client.search_runs([experiment.experiment_id])
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(children) == 2
    for run in children:
        names = {f.path for f in client.list_artifacts(run.info.run_id)}
        assert {"params.json", "result.json"} <= names
        trial = next(t for t in analysis.trials if t.trial_id == run.data.tags["trial_id"])
        text = mlflow.artifacts.load_text(f"{run.info.artifact_uri}/result.json")
        assert len(text.splitlines()) == len(trial.results)


def test_ray_tune_name_path_and_bad_arguments():
    from hpo_ray.tune.integration.mlflow import MLflowLoggerCallback as FromRayPath

    assert FromRayPath is MLflowLoggerCallback
    with pytest.raises(AsktellTypeError, match="tags"):
        MLflowLoggerCallback(tags=["a"])
    with pytest.raises(AsktellTypeError, match="save_artifact"):
        MLflowLoggerCallback(save_artifact="yes")
