"""asktell's pure-Python ask/tell core: search spaces, searchers, schedulers, stoppers, the `Experiment` state
machine, the `run()` driver with local executors, and results."""
from .analysis import ExperimentAnalysis
from .callbacks import Callback
from .driver import run
from .enums import Decision, TrialStatus
from .errors import AsktellError, AsktellTypeError, AsktellValueError
from .executors.process import ProcessExecutor
from .executors.serial import SerialExecutor
from .executors.simulated import SimulatedExecutor
from .experiment import Experiment
from .loggers import pretty_print
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
from .stoppers import Stopper
from .suggestion import ResumeRequest, Suggestion
from .trial import Trial

__all__ = [
    "FINISHED",
    "AsktellError",
    "AsktellTypeError",
    "AsktellValueError",
    "BasicVariantGenerator",
    "Callback",
    "ConcurrencyLimiter",
    "Decision",
    "Experiment",
    "ExperimentAnalysis",
    "FIFOScheduler",
    "ProcessExecutor",
    "Repeater",
    "ResumeRequest",
    "Searcher",
    "SerialExecutor",
    "SimulatedExecutor",
    "Space",
    "Stopper",
    "Suggestion",
    "Trial",
    "TrialScheduler",
    "TrialStatus",
    "choice",
    "get_checkpoint",
    "grid_search",
    "lograndint",
    "loguniform",
    "pretty_print",
    "qlograndint",
    "qloguniform",
    "qrandint",
    "qrandn",
    "quniform",
    "randint",
    "randn",
    "report",
    "run",
    "sample_from",
    "uniform",
]
