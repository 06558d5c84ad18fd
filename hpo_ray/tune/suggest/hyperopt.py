"""`ray.tune.suggest.hyperopt` (the older path the chapter uses) → `hpo_adapters.hyperopt`."""
from hpo_adapters.hyperopt import HyperOptSearch

__all__ = ["HyperOptSearch"]
