"""The record the experiment keeps per trial: pure data, read by schedulers, searchers and callbacks."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .enums import TrialStatus


def metric_stats(values: list[float]) -> dict[str, float]:
    """max, min, avg, last and the means of the last 5 and 10 values of one metric."""
    return {
        "max": max(values),
        "min": min(values),
        "avg": sum(values) / len(values),
        "last": values[-1],
        "last-5-avg": sum(values[-5:]) / len(values[-5:]),
        "last-10-avg": sum(values[-10:]) / len(values[-10:]),
    }


@dataclass(eq=False)
class Trial:
    """One trial: its config, status, results and latest checkpoint. `str(trial)` is its name."""

    trial_id: str
    config: dict[str, Any]
    trainable_name: str = "trial"
    status: TrialStatus = TrialStatus.PENDING
    results: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    num_failures: int = 0
    iteration: int = 0
    time_total_s: float = 0.0
    checkpoint: Any = None
    checkpoint_iteration: int = 0
    exploits: list[dict[str, Any]] = field(default_factory=list)
    # results a restarted worker re-makes (it resumed from an older checkpoint or none) are not recorded twice
    replay_remaining: int = 0
    iterations_since_restore: int = 0
    path: str | None = None  # the trial's folder when the experiment is stored (set by hpo_core.storage)

    def __str__(self) -> str:
        return f"{self.trainable_name}_{self.trial_id}"

    __repr__ = __str__

    @property
    def name(self) -> str:
        return str(self)

    @property
    def last_result(self) -> dict[str, Any]:
        return self.results[-1] if self.results else {}

    def has_checkpoint(self) -> bool:
        """Whether the trial saved a checkpoint (a method, as Ray Tune's `Trial.has_checkpoint()`)."""
        return self.checkpoint is not None

    @property
    def metric_analysis(self) -> dict[str, dict[str, float]]:
        """Per numeric metric: max, min, avg, last, last-5-avg, last-10-avg over this trial's results."""
        series: dict[str, list[float]] = {}
        for result in self.results:
            for key, value in result.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    series.setdefault(key, []).append(float(value))
        return {key: metric_stats(values) for key, values in series.items()}
