"""`TuneReportCallback` in a real Keras 3 fit (torch backend), in this process (SerialExecutor, no Ray)."""
from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch")
keras = pytest.importorskip("keras")

from hpo_core.errors import AsktellTypeError, AsktellValueError
from hpo_core.executors.serial import SerialExecutor
from hpo_ray import tune
from hpo_ray.tune.integration.keras import TuneReportCallback

pytestmark = pytest.mark.slow


def fit_objective(config):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="binary_crossentropy", metrics=["accuracy"], optimizer="sgd")
    model.fit(x, y, epochs=config["epochs"], verbose=0, callbacks=[TuneReportCallback(config["metrics"])])


def test_epochs_are_reported_renamed_and_a_stop_ends_fit(tmp_path, monkeypatch):
    monkeypatch.setenv("ASKTELL_STORAGE_PATH", str(tmp_path))
    full = tune.run(fit_objective, config={"epochs": 4, "metrics": {"mean_accuracy": "accuracy"}},
                    executor=SerialExecutor(), verbose=0)
    results = full.trials[0].results
    assert len(results) == 4 and all(0 <= r["mean_accuracy"] <= 1 and "accuracy" not in r for r in results)

    stopped = tune.run(fit_objective, config={"epochs": 6, "metrics": ["loss"]}, stop={"training_iteration": 2},
                       executor=SerialExecutor(), verbose=0)
    trial = stopped.trials[0]
    assert len(trial.results) == 2 and trial.error is None  # fit ended at the stop, the trial did not fail
    assert all(r["loss"] > 0 for r in trial.results)


def test_bad_arguments_and_missing_logs_are_named():
    with pytest.raises(AsktellValueError, match="'epoch_begin'"):
        TuneReportCallback("accuracy", on="epoch_begin")
    with pytest.raises(AsktellTypeError, match="42"):
        TuneReportCallback(42)
    with pytest.raises(AsktellValueError, match="'val_accuracy'.*'loss'"):
        TuneReportCallback({"acc": "val_accuracy"}).on_epoch_end(0, {"loss": 1.0})
