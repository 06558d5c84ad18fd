"""Experiment folders: the journal (source of truth), trial folders, resume, and loading a folder back."""
from .layout import default_storage_path, safe_name, trial_dirname
from .loader import ExperimentState, JournalFollower, LoadedExperiment, is_experiment, load_experiment
from .store import ExperimentStorage, ResumeMismatchError, ResumeMode

__all__ = [
    "ExperimentState", "ExperimentStorage", "JournalFollower", "LoadedExperiment", "ResumeMismatchError", "ResumeMode",
    "default_storage_path", "is_experiment", "load_experiment", "safe_name", "trial_dirname",
]
