"""Executors run trials for the driver: serial (in process), process pool, simulated clock."""
from .base import Completed, Event, Executor, Failed, Reported
from .simulated import SimCheckpoint, SimulatedExecutor, SimulatedTrainable

__all__ = [
    "Completed", "Event", "Executor", "Failed", "Reported", "SimCheckpoint", "SimulatedExecutor", "SimulatedTrainable",
]
