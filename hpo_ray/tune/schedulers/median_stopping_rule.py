"""`ray.tune.schedulers.median_stopping_rule` → `hpo_core.schedulers.median_stopping`."""
from hpo_core.schedulers.median_stopping import MedianStoppingRule

__all__ = ["MedianStoppingRule"]
