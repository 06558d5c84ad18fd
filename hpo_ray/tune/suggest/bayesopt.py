"""`ray.tune.suggest.bayesopt` (the older path the chapter uses) → `hpo_adapters.bayesopt`."""
from hpo_adapters.bayesopt import BayesOptSearch

__all__ = ["BayesOptSearch"]
