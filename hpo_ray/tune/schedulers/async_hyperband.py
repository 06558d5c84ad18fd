"""`ray.tune.schedulers.async_hyperband` → `hpo_core.schedulers.async_hyperband`."""
from hpo_core.schedulers.async_hyperband import ASHAScheduler, AsyncHyperBandScheduler

__all__ = ["ASHAScheduler", "AsyncHyperBandScheduler"]
