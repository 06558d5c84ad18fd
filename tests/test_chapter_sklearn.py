"""`TuneSearchCV` on scikit-learn's bundled digits: results layout, early stopping through partial_fit, bad input."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")
from scipy.stats import loguniform as scipy_loguniform
from sklearn.datasets import load_digits
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.svm import SVC

from hpo_core import loguniform
from hpo_core.errors import AsktellTypeError, AsktellValueError
from hpo_core.integrations.sklearn import TuneSearchCV
from hpo_core.schedulers import ASHAScheduler


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits(return_X_y=True)
    return x[:600] / 16.0, y[:600]


def test_fit_finds_the_best_trial_and_reports_sklearn_layout(digits):
    x, y = digits
    search = TuneSearchCV(SGDClassifier(random_state=0), {"alpha": loguniform(1e-5, 1e-1), "loss": ["hinge", "log_loss"]},
                          n_trials=5, cv=3, scoring="accuracy", seed=0).fit(x, y)
    results = search.cv_results_
    assert len(results["params"]) == 5 and search.n_splits_ == 3
    assert search.best_score_ == pytest.approx(max(results["mean_test_score"]))
    assert results["rank_test_score"][search.best_index_] == 1
    assert sorted(results["rank_test_score"]) == sorted(set(results["rank_test_score"]))
    splits = np.vstack([results[f"split{k}_test_score"] for k in range(3)])
    np.testing.assert_allclose(splits.mean(axis=0), results["mean_test_score"])
    assert search.best_params_ == results["params"][search.best_index_]
    assert 1e-5 <= search.best_params_["alpha"] <= 1e-1 and search.best_params_["loss"] in ("hinge", "log_loss")
    assert search.best_estimator_.get_params()["alpha"] == search.best_params_["alpha"]
    assert list(results["param_loss"]) == [p["loss"] for p in results["params"]]
    # the reported score is what scikit-learn's own cross-validation gives for those parameters
    own = cross_val_score(SGDClassifier(random_state=0, **search.best_params_), x, y, cv=3, scoring="accuracy")
    assert search.best_score_ == pytest.approx(own.mean())
    assert 0 < search.score(x, y) <= 1 and search.predict(x[:3]).shape == (3,)


def test_same_seed_same_trials_and_scipy_distributions(digits):
    x, y = digits
    space = {"C": scipy_loguniform(1e-2, 1e2)}
    first = TuneSearchCV(SVC(), space, n_trials=3, cv=2, seed=7).fit(x, y)
    second = TuneSearchCV(SVC(), space, n_trials=3, cv=2, seed=7).fit(x, y)
    assert first.cv_results_["params"] == second.cv_results_["params"]
    assert all(1e-2 <= p["C"] <= 1e2 for p in first.cv_results_["params"])
    assert len({p["C"] for p in first.cv_results_["params"]}) == 3


@pytest.mark.slow
def test_partial_fit_epochs_let_asha_stop_poor_trials(digits):
    x, y = digits
    search = TuneSearchCV(
        MLPClassifier(hidden_layer_sizes=(16,), random_state=0),
        {"learning_rate_init": loguniform(1e-5, 1e-1)},
        n_trials=6, cv=2, scheduler=ASHAScheduler(max_t=9, grace_period=1, reduction_factor=3), max_iters=9, seed=0,
    ).fit(x, y)
    epochs = search.cv_results_["training_iteration"]
    assert epochs.max() == 9 and epochs.min() < 9, "ASHA must stop some trials before max_iters"
    assert epochs[search.best_index_] == 9
    assert search.best_estimator_.t_ == 9 * len(x)  # refit with the best trial's number of epochs


def test_failing_fit_fails_only_its_trial(digits):
    x, y = digits
    search = TuneSearchCV(SVC(), {"C": [1.0, -1.0]}, n_trials=6, cv=2, seed=0).fit(x, y)
    statuses = search.cv_results_["status"]
    assert search.n_trials_failed_ >= 1 and "TERMINATED" in statuses
    assert search.best_params_ == {"C": 1.0}


def test_bad_input_names_parameter_and_value():
    with pytest.raises(AsktellValueError, match="max_iters=5.*SVC"):
        TuneSearchCV(SVC(), {"C": [1.0]}, max_iters=5)
    with pytest.raises(AsktellTypeError, match="param_distributions\\['C'\\].*'oops'"):
        TuneSearchCV(SVC(), {"C": "oops"})
    with pytest.raises(AsktellTypeError, match="estimator"):
        TuneSearchCV(object(), {"C": [1.0]})
    with pytest.raises(AsktellValueError, match="not fitted"):
        TuneSearchCV(SVC(), {"C": [1.0]}).predict(np.zeros((1, 64)))
