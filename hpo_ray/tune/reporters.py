"""Ray Tune's console reporters (`CLIReporter`, `JupyterNotebookReporter`) on asktell's progress display."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hpo_core.progress import ProgressReporter, _num


class CLIReporter(ProgressReporter):
    """The progress display with Ray Tune's `CLIReporter` options: `metric_columns` are shown next to the metric
    of every running and finished trial, `max_progress_rows` bounds the running trials shown, and
    `max_report_frequency` is the seconds between plain status lines. Pass it as `RunConfig(progress_reporter=...)`
    (or `tune.run(progress_reporter=...)`).

    Args:
        metric_columns: result keys to show (a list, or a dict whose keys are shown).
        parameter_columns: accepted; the display shows each trial's whole config.
        max_progress_rows: running trials listed at most.
        max_report_frequency: seconds between status lines when the output is not a terminal.
        metric, mode: the metric the display ranks "best" by (default: the run's).

    Example:
        >>> reporter = CLIReporter(metric_columns=["acc"])
        >>> reporter.add_metric_column("loss")
        >>> reporter.metric_columns
        ['acc', 'loss']
    """

    def __init__(self, *, metric_columns: Sequence[str] | Mapping[str, str] | None = None,
                 parameter_columns: Any = None, max_progress_rows: int = 20, max_report_frequency: float = 5,
                 metric: str | None = None, mode: str | None = None, **_: Any):
        super().__init__(verbose=1, refresh_s=max_report_frequency, metric=metric, mode=mode,
                         max_rows=max_progress_rows)
        self.metric_columns = list(metric_columns or [])
        self.parameter_columns = parameter_columns

    def add_metric_column(self, metric: str, representation: str | None = None) -> None:
        if metric not in self.metric_columns:
            self.metric_columns.append(metric)

    def _metric_text(self, result: dict[str, Any]) -> str:
        shown = [super()._metric_text(result)]
        shown += [f"{key}={_num(result[key])}" for key in self.metric_columns if key in result and key != self.metric]
        return ", ".join(text for text in shown if text)


JupyterNotebookReporter = CLIReporter
