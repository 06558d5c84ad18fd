"""Search algorithms: the `Searcher` contract, random/grid search and the wrappers."""
from .base import FINISHED, Searcher
from .basic_variant import BasicVariantGenerator

__all__ = ["FINISHED", "BasicVariantGenerator", "Searcher"]
