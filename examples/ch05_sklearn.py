"""scikit-learn: `TuneSearchCV` searches an estimator's parameters with asktell's searchers and schedulers.

An `MLPClassifier` trained epoch by epoch (`partial_fit`) lets ASHA stop poor learning rates early.
Run: python examples/ch05_sklearn.py [--smoke]
"""
from __future__ import annotations

import argparse

from sklearn.datasets import load_digits
from sklearn.neural_network import MLPClassifier

from hpo_core import loguniform
from hpo_core.integrations.sklearn import TuneSearchCV
from hpo_core.schedulers import ASHAScheduler


def main(smoke: bool = False):
    x, y = load_digits(return_X_y=True)
    search = TuneSearchCV(
        MLPClassifier(hidden_layer_sizes=(32,), random_state=0),
        {"learning_rate_init": loguniform(1e-4, 1e-1), "alpha": loguniform(1e-6, 1e-2)},
        n_trials=4 if smoke else 12,
        cv=3,
        scoring="accuracy",
        scheduler=ASHAScheduler(max_t=8 if smoke else 20, grace_period=2),
        max_iters=8 if smoke else 20,
        seed=0,
    )
    search.fit(x / 16.0, y)
    print("best config:", search.best_params_)
    print(f"best cross-validated accuracy: {search.best_score_:.4f}")
    print("epochs per trial:", [int(n) for n in search.cv_results_["training_iteration"]])
    return search


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="fewer trials and epochs, for tests")
    main(parser.parse_args().smoke)
