"""What the dashboard and the HTML report say about a trial: its status label, its values, its curve, and which
parameters are drawn on log axes. One place, so the live page and the static report never disagree.
"""
from __future__ import annotations

import math
from typing import Any

from ..enums import TrialStatus
from ..loggers.files import flatten
from ..storage.loader import LoadedExperiment
from ..trial import Trial

PLAIN_SCHEDULERS = (None, "FIFOScheduler")
LOG_RATIO = 1000.0  # without a recorded space: a positive numeric parameter spanning 3 decades is drawn on a log axis


def status_label(trial: Trial, *, longest: int, stopped: set[str] | None, scheduler: str | None) -> str:
    """The trial's status as a person reads it: "stopped early by ASHAScheduler" rather than TERMINATED when a
    decision ended it before the longest trial's iteration count.

    `stopped` holds the ids a decision ended (read from the journal); None when unknown (trials in memory): then
    every TERMINATED trial shorter than the longest counts as stopped early.
    """
    if trial.status is TrialStatus.TERMINATED and trial.iteration < longest and \
            (stopped is None or trial.trial_id in stopped):
        return f"stopped early by {scheduler}" if scheduler not in PLAIN_SCHEDULERS else "stopped early by a stop rule"
    return trial.status.name


def status_labels(trials: list[Trial], loaded: LoadedExperiment | None = None) -> dict[str, str]:
    """trial_id -> `status_label`, with what the experiment folder says when `loaded` is given."""
    longest = longest_iteration(trials)
    stopped = loaded.stopped_by_decision if loaded is not None else None
    scheduler = loaded.header.get("scheduler") if loaded is not None else "the scheduler"
    return {t.trial_id: status_label(t, longest=longest, stopped=stopped, scheduler=scheduler) for t in trials}


def is_early(label: str) -> bool:
    return label.startswith("stopped early")


def longest_iteration(trials: list[Trial]) -> int:
    return max((t.iteration for t in trials), default=0)


def log_params(loaded: LoadedExperiment) -> list[str]:
    """The flattened parameter names drawn on a log axis: the space's log domains (recorded in the journal's
    header), or for older folders every positive numeric parameter that spans three decades."""
    recorded = loaded.header.get("log_params")
    if isinstance(recorded, list):
        return [str(name) for name in recorded]
    columns: dict[str, list[Any]] = {}
    for trial in loaded.trials:
        for name, value in flatten(trial.config).items():
            columns.setdefault(name, []).append(value)
    return [name for name, values in columns.items() if spans_decades(values)]


def spans_decades(values: list[Any]) -> bool:
    numbers = [float(v) for v in values if is_number(v)]
    return len(numbers) == len(values) > 0 and min(numbers) > 0 and max(numbers) / min(numbers) > LOG_RATIO


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) or type(value).__name__.startswith(
        ("float", "int"))


def metric_values(trial: Trial, metric: str | None) -> list[tuple[float, float]]:
    """(training_iteration, value) of every result that holds `metric` as a number (NaN kept)."""
    if not metric:
        return []
    return [(float(r.get("training_iteration", i + 1)), float(r[metric]))
            for i, r in enumerate(trial.results) if is_number(r.get(metric))]


def best_value(values: list[float], mode: str | None) -> float | None:
    clean = [v for v in values if not math.isnan(v)]
    if not clean or mode not in ("min", "max"):
        return None
    return max(clean) if mode == "max" else min(clean)


def trial_summary(trial: Trial, loaded: LoadedExperiment, longest: int) -> dict[str, Any]:
    """One trial as JSON-ready data (non-finite numbers become None): what the table and the curves show."""
    curve = metric_values(trial, loaded.metric)
    values = [v for _, v in curve]
    last, best = (values[-1] if values else None), best_value(values, loaded.mode)
    return {
        "id": trial.trial_id,
        "name": str(trial),
        "status": trial.status.name,
        "label": status_label(trial, longest=longest, stopped=loaded.stopped_by_decision,
                              scheduler=loaded.header.get("scheduler")),
        "iteration": trial.iteration,
        "time": round(trial.time_total_s, 3) if math.isfinite(trial.time_total_s) else None,
        "last": last if last is not None and math.isfinite(last) else None,
        "best": best if best is not None and math.isfinite(best) else None,
        "config": jsonable(flatten(trial.config)),
        "curve": [[x, y if math.isfinite(y) else None] for x, y in curve],  # plain floats: no generic walk
        "error": trial.error.strip().splitlines()[-1][:200] if trial.error and trial.error.strip() else None,
    }


def jsonable(value: Any) -> Any:
    """`value` with NaN/inf as None and anything that is no JSON type as its repr (the browser's JSON.parse
    accepts neither)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if is_number(value):
        return jsonable(float(value)) if "float" in type(value).__name__ else int(value)
    return repr(value)
