"""Real ML tasks on data bundled with scikit-learn: cross-validated error of SVM / gradient boosting, and a
conditional space that first picks the model and then that model's own hyperparameters."""
from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from hpo_core import choice, grid_search, loguniform, randint, uniform
from hpo_core.errors import AsktellValueError

from .base import SingleFidelityProblem, log_grid

DATASETS = ("digits", "breast_cancer", "wine")


@cache
def load(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    """Standardised features and labels of one bundled data set."""
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    if dataset not in DATASETS:
        raise AsktellValueError(f"`dataset` must be one of {DATASETS}, but got {dataset!r}")
    features, labels = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    return StandardScaler().fit_transform(features), labels


@cache
def folds(dataset: str, count: int = 3) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Fixed stratified train/test index pairs of one data set."""
    from sklearn.model_selection import StratifiedKFold

    features, labels = load(dataset)
    return tuple(StratifiedKFold(n_splits=count, shuffle=True, random_state=0).split(features, labels))


def cv_error(model: Any, dataset: str) -> float:
    """1 - mean accuracy over 3 fixed stratified folds (equal configs give equal errors)."""
    from sklearn.base import clone

    features, labels = load(dataset)
    scores = []
    for train, test in folds(dataset):
        fitted = clone(model).fit(features[train], labels[train])
        scores.append(np.mean(fitted.predict(features[test]) == labels[test]))
    return float(1.0 - np.mean(scores))


def build_model(spec: dict[str, Any]) -> Any:
    """A scikit-learn classifier from a config naming `model` and its hyperparameters."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier

    kind = spec["model"]
    if kind == "svm":
        return SVC(C=spec["C"], gamma=spec["gamma"])
    if kind == "gb":
        return HistGradientBoostingClassifier(
            learning_rate=spec["learning_rate"], max_iter=int(spec["max_iter"]),
            max_leaf_nodes=int(spec["max_leaf_nodes"]), l2_regularization=spec["l2_regularization"],
            random_state=0,
        )
    if kind == "knn":
        return KNeighborsClassifier(n_neighbors=int(spec["n_neighbors"]), weights=spec["weights"])
    if kind == "logreg":
        return LogisticRegression(C=spec["C"], max_iter=500)
    if kind == "tree":
        return DecisionTreeClassifier(max_depth=int(spec["max_depth"]),
                                      min_samples_leaf=int(spec["min_samples_leaf"]), random_state=0)
    raise AsktellValueError(f"unknown model {kind!r} in config {spec!r}")


class SklearnProblem(SingleFidelityProblem):
    """Minimise the cross-validated error of `model` ("svm" or "gb") on `dataset`. The optimum is unknown."""

    metric = "error"

    def __init__(self, model: str, dataset: str):
        if model not in ("svm", "gb"):
            raise AsktellValueError(f"`model` must be 'svm' or 'gb', but got {model!r}")
        if dataset not in DATASETS:
            raise AsktellValueError(f"`dataset` must be one of {DATASETS}, but got {dataset!r}")
        self.model, self.dataset = model, dataset
        self.name = f"{model}-{dataset}"
        self._cache: dict[str, float] = {}

    def space(self) -> dict[str, Any]:
        if self.model == "svm":
            return {"C": loguniform(1e-2, 1e3), "gamma": loguniform(1e-5, 1e0)}
        return {"learning_rate": loguniform(1e-3, 0.5), "max_iter": randint(10, 200),
                "max_leaf_nodes": randint(4, 64), "l2_regularization": loguniform(1e-6, 1e1)}

    def grid(self, budget: int) -> dict[str, Any] | None:
        if self.model != "svm":
            return None
        points = max(2, int(budget**0.5 + 1e-9))
        return {"C": grid_search(log_grid(1e-2, 1e3, points)), "gamma": grid_search(log_grid(1e-5, 1e0, points))}

    def evaluate(self, config: dict[str, Any]) -> float:
        key = repr(sorted(config.items()))
        if key not in self._cache:
            self._cache[key] = cv_error(build_model({"model": self.model, **config}), self.dataset)
        return self._cache[key]


class MixedProblem(SingleFidelityProblem):
    """A conditional space: `classifier` is a choice of model, each with its own hyperparameters."""

    metric = "error"

    def __init__(self, dataset: str = "wine"):
        if dataset not in DATASETS:
            raise AsktellValueError(f"`dataset` must be one of {DATASETS}, but got {dataset!r}")
        self.dataset = dataset
        self.name = f"mixed-{dataset}"

    def space(self) -> dict[str, Any]:
        return {"classifier": choice([
            {"model": "svm", "C": loguniform(1e-2, 1e3), "gamma": loguniform(1e-5, 1e0)},
            {"model": "knn", "n_neighbors": randint(1, 40), "weights": choice(["uniform", "distance"])},
            {"model": "logreg", "C": loguniform(1e-4, 1e2)},
            {"model": "tree", "max_depth": randint(1, 20), "min_samples_leaf": randint(1, 20)},
        ]), "scale": uniform(0.0, 1.0)}

    def evaluate(self, config: dict[str, Any]) -> float:
        # `scale` is a decoy parameter that does not matter: a searcher should learn to ignore it
        return cv_error(build_model(config["classifier"]), self.dataset)
