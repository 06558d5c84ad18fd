"""`ray.tune.suggest.optuna` (the older path the chapter uses) → `hpo_adapters.optuna`."""
from hpo_adapters.optuna import OptunaSearch

__all__ = ["OptunaSearch"]
