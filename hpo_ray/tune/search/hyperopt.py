"""`ray.tune.search.hyperopt` → `hpo_adapters.hyperopt`."""
from hpo_adapters.hyperopt import HyperOptSearch

__all__ = ["HyperOptSearch"]
