"""`ray.tune.schedulers.trial_scheduler` → `hpo_core.schedulers.base`."""
from hpo_core.schedulers.base import FIFOScheduler, TrialScheduler

__all__ = ["FIFOScheduler", "TrialScheduler"]
