"""`ray.tune.search.optuna` → `hpo_adapters.optuna`."""
from hpo_adapters.optuna import OptunaSearch

__all__ = ["OptunaSearch"]
