"""Quickstart: tune an SVM on scikit-learn's bundled breast-cancer data with the default local (process-pool) executor.

Run: python examples/quickstart.py  (about 10-20 s on 2 CPUs)
"""
from __future__ import annotations

from hpo_core import choice, loguniform, report, run


def train_svm(config):
    """Cross-validated accuracy of an SVM with the config's hyperparameters."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    x, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), SVC(C=config["C"], gamma=config["gamma"], kernel=config["kernel"]))
    report(accuracy=cross_val_score(model, x, y, cv=3).mean())


if __name__ == "__main__":
    analysis = run(
        train_svm,
        config={"C": loguniform(1e-2, 1e2), "gamma": loguniform(1e-4, 1e-1), "kernel": choice(["rbf", "sigmoid"])},
        num_samples=20,
        metric="accuracy",
        mode="max",
        seed=0,
    )
    print(f"trials: {len(analysis.trials)}  best accuracy: {analysis.best_result['accuracy']:.4f}")
    print("best config:", analysis.best_config)
