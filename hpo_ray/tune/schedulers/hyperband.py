"""`ray.tune.schedulers.hyperband` → `hpo_core.schedulers.hyperband`."""
from hpo_core.schedulers.hyperband import HyperBandScheduler

__all__ = ["HyperBandScheduler"]
