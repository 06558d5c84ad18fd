"""`ray.tune.search.bayesopt` → `hpo_adapters.bayesopt`."""
from hpo_adapters.bayesopt import BayesOptSearch

__all__ = ["BayesOptSearch"]
