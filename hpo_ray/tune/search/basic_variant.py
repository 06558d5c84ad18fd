"""`ray.tune.search.basic_variant` → `hpo_core.searchers`."""
from hpo_core.searchers import BasicVariantGenerator

__all__ = ["BasicVariantGenerator"]
