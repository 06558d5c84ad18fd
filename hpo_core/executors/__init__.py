"""Executors run trials for the driver: serial (in process), process pool, simulated clock."""
from .base import Completed, Event, Executor, Failed, Reported

__all__ = ["Completed", "Event", "Executor", "Failed", "Reported"]
