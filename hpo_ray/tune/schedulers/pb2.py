"""`ray.tune.schedulers.pb2` → `hpo_core.schedulers.pb2`."""
from hpo_core.schedulers.pb2 import PB2

__all__ = ["PB2"]
