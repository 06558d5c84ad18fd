"""Trial schedulers: pure state machines that answer each result with a Decision."""
from .base import FIFOScheduler, TrialScheduler

__all__ = ["FIFOScheduler", "TrialScheduler"]
