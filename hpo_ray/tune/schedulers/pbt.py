"""`ray.tune.schedulers.pbt` → `hpo_core.schedulers.pbt`."""
from hpo_core.schedulers.pbt import PopulationBasedTraining

__all__ = ["PopulationBasedTraining"]
