"""Experiment folders: the journal (source of truth), trial folders, resume, the folder lock, and loading a folder."""
from .journal import JournalDamage
from .layout import UnsafePathError, default_storage_path, safe_name, trial_dirname
from .loader import (
    ExperimentState,
    JournalDamageWarning,
    JournalFollower,
    LoadedExperiment,
    is_experiment,
    load_experiment,
)
from .lock import ExperimentLockedError, FolderLock
from .store import ExperimentStorage, JournalDamagedError, ResumeMismatchError, ResumeMode

__all__ = [
    "ExperimentLockedError", "ExperimentState", "ExperimentStorage", "FolderLock", "JournalDamage",
    "JournalDamageWarning", "JournalDamagedError", "JournalFollower", "LoadedExperiment", "ResumeMismatchError",
    "ResumeMode", "UnsafePathError", "default_storage_path", "is_experiment", "load_experiment", "safe_name",
    "trial_dirname",
]
