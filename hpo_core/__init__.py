"""asktell's pure-Python ask/tell core: search spaces, searchers, schedulers, stoppers, the `Experiment` state
machine, the `run()` driver with local executors, and results."""
from .analysis import ExperimentAnalysis
from .callbacks import Callback
from .driver import run
from .enums import Decision, TrialStatus
from .errors import AsktellError, AsktellTypeError, AsktellValueError
from .experiment import Experiment
from .schedulers import FIFOScheduler, TrialScheduler
from .searchers import FINISHED, BasicVariantGenerator, ConcurrencyLimiter, Repeater, Searcher
from .session import get_checkpoint, report
from .space import (
    Space,
    choice,
    grid_search,
    lograndint,
    loguniform,
    qlograndint,
    qloguniform,
    qrandint,
    qrandn,
    quniform,
    randint,
    randn,
    sample_from,
    uniform,
)
from .executors.process import ProcessExecutor
from .executors.serial import SerialExecutor
from .executors.simulated import SimulatedExecutor
from .stoppers import Stopper
from .suggestion import ResumeRequest, Suggestion
from .trial import Trial
from .loggers import pretty_print

__all__ = [
    "Callback", "pretty_print", "ProcessExecutor", "SerialExecutor", "SimulatedExecutor", "run",
    "AsktellError", "AsktellTypeError", "AsktellValueError", "BasicVariantGenerator", "ConcurrencyLimiter", "Decision",
    "Experiment", "Repeater",
    "ExperimentAnalysis", "FINISHED", "FIFOScheduler", "ResumeRequest", "Searcher", "Space", "Stopper",
    "Suggestion", "Trial", "TrialScheduler", "TrialStatus", "choice", "get_checkpoint", "grid_search",
    "lograndint", "loguniform", "qlograndint", "qloguniform", "qrandint", "qrandn", "quniform", "randint",
    "randn", "report", "sample_from", "uniform",
]
