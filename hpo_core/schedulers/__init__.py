"""Trial schedulers: pure state machines that answer each result with a Decision."""
from .asha_promotion import ASHAPromotionScheduler
from .async_hyperband import ASHAScheduler, AsyncHyperBandScheduler
from .base import FIFOScheduler, TrialScheduler
from .hyperband import HyperBandScheduler
from .median_stopping import MedianStoppingRule
from .mo_asha import MOASHAScheduler
from .mo_hyperband import MOHyperBandScheduler
from .pb2 import PB2
from .pbt import PopulationBasedTraining

__all__ = [
    "PB2",
    "ASHAPromotionScheduler",
    "ASHAScheduler",
    "AsyncHyperBandScheduler",
    "FIFOScheduler",
    "HyperBandScheduler",
    "MOASHAScheduler",
    "MOHyperBandScheduler",
    "MedianStoppingRule",
    "PopulationBasedTraining",
    "TrialScheduler",
]
