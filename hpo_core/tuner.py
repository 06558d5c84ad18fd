"""`Tuner`: Ray Tune's current entry point (`Tuner(trainable, param_space=..., tune_config=..., run_config=...)
.fit()`) on asktell's `run()`; `Tuner.restore(path, trainable)` finishes an experiment whose driver died.

`fit()` writes the tuner's settings (`tuner.pkl`, cloudpickle) into the experiment folder before the first trial,
so `restore` rebuilds the same space, searcher and scheduler and the journal replays into them.
"""
from __future__ import annotations

import datetime
import logging
import os
from collections.abc import Callable
from typing import Any

import cloudpickle

from .checkpoint_keeper import CheckpointKeeper
from .errors import AsktellTypeError, AsktellValueError
from .result_grid import ResultGrid
from .storage.layout import JOURNAL, experiment_dir
from .trainables import Trainable, as_function
from .tune_config import CheckpointConfig, RunConfig, TuneConfig

logger = logging.getLogger("asktell")
SETTINGS = "tuner.pkl"


class Tuner:
    """Tune `trainable` over `param_space`.

    Args:
        trainable: a function of the config, a `Trainable` class, a registered name, or any of those wrapped by
            `with_parameters` / `with_resources`.
        param_space: the search space (nested dicts of domains and constants).
        tune_config: metric, mode, searcher, scheduler, number of trials (`TuneConfig`).
        run_config: name, storage, stop, callbacks, failures, checkpoints (`RunConfig`).
        executor: where trials run (asktell's addition; default: the driver's, a process pool for
            `hpo_core.tuner.Tuner` and Ray for `hpo_ray.tune.Tuner`).

    Example:
        >>> from hpo_core import uniform, SerialExecutor
        >>> tuner = Tuner(lambda config: {"loss": (config["x"] - 1) ** 2}, param_space={"x": uniform(0, 2)},
        ...               tune_config=TuneConfig(metric="loss", mode="min", num_samples=4, seed=0),
        ...               run_config=RunConfig(storage_path=__import__("tempfile").mkdtemp(), verbose=0),
        ...               executor=SerialExecutor())
        >>> len(tuner.fit())
        4
    """

    def __init__(self, trainable: Any = None, *, param_space: dict[str, Any] | None = None,
                 tune_config: TuneConfig | None = None, run_config: RunConfig | None = None, executor: Any = None):
        if trainable is None:
            raise AsktellValueError("`trainable` must be given: a function, a Trainable class or a name")
        if param_space is not None and not isinstance(param_space, dict):
            raise AsktellTypeError(f"`param_space` must be a dict, but got {param_space!r}")
        self.trainable = trainable
        self.param_space = param_space
        self.tune_config = _checked(tune_config, TuneConfig, "tune_config")
        self.run_config = _checked(run_config, RunConfig, "run_config")
        self.executor = executor
        self._resume: bool | str = False
        self._path: str | None = None
        self._results: ResultGrid | None = None

    @staticmethod
    def run_function(*args: Any, **kwargs: Any):
        """The driver that runs the experiment (`hpo_core.run`; `hpo_ray.tune.Tuner` runs on Ray)."""
        from .driver import run

        return run(*args, **kwargs)

    # --- running -----------------------------------------------------------------------------------------------
    def fit(self) -> ResultGrid:
        """Run the experiment (or finish the restored one); failed trials are in `ResultGrid.errors`."""
        tune_args = self.tune_config.run_arguments()
        run_args = {**tune_args, **self.run_config.run_arguments(metric=tune_args["metric"], mode=tune_args["mode"])}
        trainable, resources = split_resources(self.trainable)
        trainable = _with_checkpoint_frequency(trainable, self.run_config.checkpoint_config)
        path = self._path or self._new_path(trainable)
        if self._path is None:
            self._save_settings(path)
        self._path = path
        run_args.update(name=path, storage_path=None, resume=self._resume)
        if self.executor is not None:
            run_args["executor"] = self.executor
        keeper = None
        if CheckpointKeeper.wanted(self.run_config.checkpoint_config):
            keeper = CheckpointKeeper(self.run_config.checkpoint_config)
            run_args["callbacks"].append(keeper)
        fail_fast = self.run_config.failure_config.fail_fast
        analysis = self.run_function(trainable, config=self.param_space, resources_per_trial=resources,
                                     raise_on_failed_trial=fail_fast == "raise", **run_args)
        self._resume = "AUTO"  # fit() again continues this experiment
        kept = None if keeper is None else {t.trial_id: keeper.best(t.trial_id) for t in analysis.trials}
        self._results = ResultGrid(analysis, kept)
        return self._results

    def get_results(self) -> ResultGrid:
        """The results of the last `fit()` (or of the experiment folder of a restored tuner)."""
        if self._results is None:
            if self._path is None or not os.path.isfile(os.path.join(self._path, JOURNAL)):
                raise AsktellValueError("get_results() before fit(): no results yet")
            from .analysis import ExperimentAnalysis

            self._results = ResultGrid(ExperimentAnalysis(self._path))
        return self._results

    # --- restore -----------------------------------------------------------------------------------------------
    @classmethod
    def can_restore(cls, path: str | os.PathLike) -> bool:
        """Whether `path` holds an experiment a `Tuner` started."""
        folder = os.path.expanduser(os.fspath(path))
        return os.path.isfile(os.path.join(folder, SETTINGS)) and os.path.isfile(os.path.join(folder, JOURNAL))

    @classmethod
    def restore(cls, path: str | os.PathLike, trainable: Any, *, resume_unfinished: bool = True,
                resume_errored: bool = False, restart_errored: bool = False,
                param_space: dict[str, Any] | None = None, executor: Any = None) -> Tuner:
        """The tuner of the experiment at `path`; its `fit()` finishes the unfinished trials (from their last
        checkpoint) and, with `resume_errored` or `restart_errored`, runs the failed ones again (asktell restarts
        both from their last checkpoint). `param_space` must be the original one when given."""
        folder = os.path.abspath(os.path.expanduser(os.fspath(path)))
        if not cls.can_restore(folder):
            raise AsktellValueError(f"`path={os.fspath(path)!r}` holds no experiment started by a Tuner "
                                    f"(no {SETTINGS} and {JOURNAL})")
        if not resume_unfinished:
            raise AsktellValueError("`resume_unfinished=False` is not supported: asktell always finishes the "
                                    "unfinished trials of a restored experiment")
        with open(os.path.join(folder, SETTINGS), "rb") as handle:
            settings = cloudpickle.load(handle)
        tuner = cls(trainable, param_space=settings["param_space"] if param_space is None else param_space,
                    tune_config=settings["tune_config"], run_config=settings["run_config"], executor=executor)
        tuner._path = folder
        tuner._resume = "ERRORED" if resume_errored or restart_errored else True
        return tuner

    # --- helpers -----------------------------------------------------------------------------------------------
    def _new_path(self, trainable: Callable) -> str:
        from .driver import trainable_name

        config = self.run_config
        path = experiment_dir(trainable_name(trainable), name=config.name, storage_path=config.storage_path)
        if os.path.isfile(os.path.join(path, JOURNAL)):  # Ray Tune reuses the name; asktell keeps both runs
            base = f"{path}_{datetime.datetime.now().strftime('%Y-%m-%d_%H-%M-%S')}"
            candidate, number = base, 1
            while os.path.exists(candidate):
                number += 1
                candidate = f"{base}_{number}"
            logger.warning("%s already holds an experiment: this run writes to %s", path, candidate)
            path = candidate
        return path

    def _save_settings(self, path: str) -> None:
        settings = {"param_space": self.param_space, "tune_config": self.tune_config,
                    "run_config": self.run_config}
        os.makedirs(path, exist_ok=True)
        try:
            data = cloudpickle.dumps(settings)
        except Exception as error:  # noqa: BLE001 - the run itself does not need them
            logger.warning("the Tuner's settings do not pickle (%s): Tuner.restore(%s) will not work", error, path)
            return
        with open(os.path.join(path, SETTINGS), "wb") as handle:
            handle.write(data)


def _checked(value: Any, kind: type, name: str) -> Any:
    if value is None:
        return kind()
    if not isinstance(value, kind):
        raise AsktellTypeError(f"`{name}` must be a {kind.__name__}, but got {value!r}")
    return value


def split_resources(trainable: Any) -> tuple[Any, Any]:
    """The trainable and the resources `with_resources` attached to it (None when it has none)."""
    resources = getattr(trainable, "trial_resources", None)
    return (trainable.trainable, resources) if resources is not None else (trainable, None)


def _with_checkpoint_frequency(trainable: Any, config: CheckpointConfig) -> Any:
    if isinstance(trainable, type) and issubclass(trainable, Trainable) and config.checkpoint_frequency > 0:
        return as_function(trainable, checkpoint_frequency=config.checkpoint_frequency)
    return trainable
