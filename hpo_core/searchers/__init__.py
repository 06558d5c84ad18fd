"""Search algorithms: the `Searcher` contract, random/grid search and the wrappers."""
from .base import FINISHED, Searcher
from .basic_variant import BasicVariantGenerator
from .bohb import BOHBSearcher
from .concurrency_limiter import ConcurrencyLimiter
from .dehb import DEHBSearcher
from .fidelity import Fidelity
from .mobster import MOBSTERSearcher
from .multi_fidelity import MultiFidelitySearcher
from .repeater import TRIAL_INDEX, Repeater
from .scalarized import ScalarizedSearch
from .wrapper import WrappingSearcher

__all__ = [
    "FINISHED", "TRIAL_INDEX", "BOHBSearcher", "BasicVariantGenerator", "ConcurrencyLimiter", "DEHBSearcher", "Fidelity",
    "MOBSTERSearcher", "MultiFidelitySearcher", "Repeater", "ScalarizedSearch", "Searcher", "WrappingSearcher",
]
