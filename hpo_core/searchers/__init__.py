"""Search algorithms: the `Searcher` contract, random/grid search and the wrappers."""
from .base import FINISHED, Searcher
from .basic_variant import BasicVariantGenerator
from .concurrency_limiter import ConcurrencyLimiter
from .repeater import TRIAL_INDEX, Repeater
from .scalarized import ScalarizedSearch
from .wrapper import WrappingSearcher

__all__ = [
    "FINISHED", "TRIAL_INDEX", "BasicVariantGenerator", "ConcurrencyLimiter", "Repeater", "ScalarizedSearch", "Searcher", "WrappingSearcher",
]
