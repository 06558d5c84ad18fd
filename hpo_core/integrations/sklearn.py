"""`TuneSearchCV`: a scikit-learn search estimator driven by asktell's ask/tell `Experiment` (needs scikit-learn).

Each trial clones `estimator` with the suggested parameters and cross-validates it. When the estimator has
`partial_fit` and `max_iters > 1`, a trial trains its fold models epoch by epoch and reports the mean validation
score after each epoch, so a scheduler (ASHA, HyperBand, median stopping) can stop poor trials early.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..enums import Decision, TrialStatus
from ..errors import AsktellTypeError, AsktellValueError
from ..experiment import Experiment
from ..space import Domain, choice, sample_from

SCORE = "mean_test_score"


def _as_space(param_distributions: dict[str, Any]) -> dict[str, Any]:
    """asktell domains stay; lists become `choice`; scipy.stats distributions are sampled through `rvs`."""
    if not isinstance(param_distributions, dict) or not param_distributions:
        raise AsktellTypeError(
            f"`param_distributions` must be a non-empty dict of parameter -> domain/list, got {param_distributions!r}"
        )
    space: dict[str, Any] = {}
    for name, spec in param_distributions.items():
        if isinstance(spec, Domain):
            space[name] = spec
        elif isinstance(spec, (list, tuple)):
            space[name] = choice(list(spec))
        elif hasattr(spec, "rvs"):
            space[name] = sample_from(lambda _, dist=spec: _scalar(dist.rvs()))
        else:
            raise AsktellTypeError(
                f"`param_distributions[{name!r}]` must be an asktell domain, a list or a scipy.stats distribution, "
                f"but got {spec!r}"
            )
    return space


def _scalar(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


class TuneSearchCV:
    """Search `param_distributions` for the best cross-validated `estimator`.

    After `fit(X, y)`: `best_params_`, `best_score_`, `best_estimator_` (refit on all data when `refit`),
    `best_index_`, `cv_results_` (sklearn's layout: `params`, `param_<name>`, `split<k>_test_score`,
    `mean_test_score`, `std_test_score`, `rank_test_score`, plus `training_iteration`) and `analysis_`.
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: dict[str, Any],
        n_trials: int = 10,
        cv: Any = 5,
        scoring: Any = None,
        search_alg: Any = None,
        scheduler: Any = None,
        *,
        max_iters: int = 1,
        refit: bool = True,
        seed: int | None = None,
    ):
        if not hasattr(estimator, "fit"):
            raise AsktellTypeError(f"`estimator` must be a scikit-learn estimator, but got {estimator!r}")
        if isinstance(max_iters, bool) or not isinstance(max_iters, int) or max_iters < 1:
            raise AsktellValueError(f"`max_iters` must be an int >= 1, but got {max_iters!r}")
        if max_iters > 1 and not hasattr(estimator, "partial_fit"):
            raise AsktellValueError(
                f"`max_iters={max_iters}` needs an estimator with partial_fit; {type(estimator).__name__} has none"
            )
        self.estimator = estimator
        self.param_distributions = param_distributions
        self.space = _as_space(param_distributions)
        self.n_trials, self.cv, self.scoring = n_trials, cv, scoring
        self.search_alg, self.scheduler = search_alg, scheduler
        self.max_iters, self.refit, self.seed = max_iters, refit, seed

    # --- fitting -----------------------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> TuneSearchCV:
        from sklearn.base import clone, is_classifier
        from sklearn.metrics import check_scoring
        from sklearn.model_selection import check_cv

        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        self.scorer_ = check_scoring(self.estimator, scoring=self.scoring)
        X, y = np.asarray(X), None if y is None else np.asarray(y)
        self._folds = list(cv.split(X, y))
        self.n_splits_ = len(self._folds)
        self._classes = np.unique(y) if is_classifier(self.estimator) and y is not None else None
        experiment = Experiment(
            self.space, metric=SCORE, mode="max", num_samples=self.n_trials, search_alg=self.search_alg,
            scheduler=self.scheduler, seed=self.seed, trainable_name=type(self.estimator).__name__,
        )
        states: dict[str, dict[str, Any]] = {}  # trial_id -> fold models and epochs done (pause/resume)
        idle = 0
        while not experiment.is_finished():
            suggestion = experiment.ask()
            if suggestion is None:
                idle += 1
                if idle > 3:  # nothing runs in this loop, so nothing can change any more
                    break
                continue
            idle = 0
            state = states.setdefault(suggestion.trial_id, {"models": None, "epoch": 0})
            if state["models"] is None or suggestion.config is not state.get("config"):
                params = suggestion.config
                state.update(models=[clone(self.estimator).set_params(**params) for _ in self._folds],
                             config=params, epoch=0)
            self._run_trial(experiment, suggestion.trial_id, state, X, y, fit_params)
        self.analysis_ = experiment.analysis()
        self._collect(experiment)
        if self.refit:
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_)
            self._train(self.best_estimator_, X, y, fit_params, epochs=self._best_epochs)
        return self

    def _run_trial(self, experiment: Experiment, trial_id: str, state: dict, X, y, fit_params) -> None:
        try:
            while True:
                scores = []
                for model, (train, test) in zip(state["models"], self._folds):
                    if self.max_iters == 1:
                        model.fit(X[train], None if y is None else y[train], **fit_params)
                    else:
                        self._partial_fit(model, X[train], None if y is None else y[train], fit_params)
                    scores.append(float(self.scorer_(model, X[test], None if y is None else y[test])))
                state["epoch"] += 1
                metrics = {SCORE: float(np.mean(scores)), "std_test_score": float(np.std(scores))}
                metrics.update({f"split{k}_test_score": s for k, s in enumerate(scores)})
                decision = experiment.tell(trial_id, metrics, checkpoint=state["epoch"])
                if decision is not Decision.CONTINUE or state["epoch"] >= self.max_iters:
                    break
        except Exception as error:  # noqa: BLE001 - a failing fit fails its trial, like sklearn error_score
            experiment.complete(trial_id, error=f"{type(error).__name__}: {error}")
            return
        experiment.complete(trial_id)

    def _partial_fit(self, model: Any, X, y, fit_params) -> None:
        if self._classes is not None:
            model.partial_fit(X, y, classes=self._classes, **fit_params)
        else:
            model.partial_fit(X, y, **fit_params)

    def _train(self, model: Any, X, y, fit_params, *, epochs: int) -> None:
        if self.max_iters == 1:
            model.fit(X, y, **fit_params)
            return
        for _ in range(max(epochs, 1)):
            self._partial_fit(model, X, y, fit_params)

    # --- results -----------------------------------------------------------------------------------------------
    def _collect(self, experiment: Experiment) -> None:
        trials = [t for t in experiment.trials.values() if t.results]
        if not trials:
            raise AsktellValueError("TuneSearchCV: no trial produced a score (every fit failed)")
        last = [t.last_result for t in trials]
        means = np.array([r[SCORE] for r in last])
        ranks = (-means).argsort(kind="stable").argsort() + 1
        results: dict[str, Any] = {
            "params": [dict(t.config) for t in trials],
            SCORE: means,
            "std_test_score": np.array([r["std_test_score"] for r in last]),
            "rank_test_score": ranks.astype(int),
            "training_iteration": np.array([r["training_iteration"] for r in last]),
            "status": [t.status.name for t in trials],
        }
        for k in range(self.n_splits_):
            results[f"split{k}_test_score"] = np.array([r[f"split{k}_test_score"] for r in last])
        for name in self.param_distributions:
            results[f"param_{name}"] = np.ma.masked_array([t.config.get(name) for t in trials], dtype=object)
        self.cv_results_ = results
        self.best_index_ = int(np.argmax(means))
        best = trials[self.best_index_]
        self.best_params_ = dict(best.config)
        self.best_score_ = float(means[self.best_index_])
        self._best_epochs = int(last[self.best_index_]["training_iteration"])
        self.n_trials_failed_ = sum(t.status is TrialStatus.ERROR for t in experiment.trials.values())

    # --- the fitted search as an estimator ----------------------------------------------------------------------
    def _fitted(self) -> Any:
        if not hasattr(self, "best_estimator_"):
            raise AsktellValueError("TuneSearchCV is not fitted with refit=True: call fit(X, y) first")
        return self.best_estimator_

    def predict(self, X: Any) -> Any:
        return self._fitted().predict(X)

    def predict_proba(self, X: Any) -> Any:
        return self._fitted().predict_proba(X)

    def score(self, X: Any, y: Any = None) -> float:
        return float(self.scorer_(self._fitted(), X, y))
