"""The Pareto-front plot of a multi-objective experiment, as a PNG (matplotlib imported inside the function).

Two objectives: every trial as a point, the front's trials highlighted and joined by its staircase. Three or more:
one panel per pair of objectives, the trials on the (full) front highlighted in each. Trials a scheduler stopped
early are marked with a red x (early stopped: finished before the longest trial's iteration count).
"""
from __future__ import annotations

import itertools
import math
import os
from typing import Any

from .enums import TrialStatus
from .pareto import pareto_mask, to_minimise
from .trial_front import objective_matrix


def pareto_front_plot(analysis: Any, path: str, *, metrics: list[str] | None = None,
                      modes: list[str] | None = None, scope: str = "last") -> str:
    """Draw the trials and their Pareto front under `metrics`/`modes` (default: the experiment's objectives).

    Args:
        analysis: an `ExperimentAnalysis` or an experiment folder.
        path: the PNG to write.
        metrics, modes: lists of two or more; `scope`: which value of each metric stands for a trial.

    `pareto_front_plot(run(..., metric=["loss", "size"], mode=["min", "min"]), "front.png")`
    """
    from matplotlib.figure import Figure

    from .analysis import ExperimentAnalysis

    if isinstance(analysis, (str, os.PathLike)):
        analysis = ExperimentAnalysis(analysis)
    metrics, modes = analysis._objectives(metrics, modes, scope)
    trials, values = objective_matrix(analysis.trials, metrics, modes, analysis._scoped(scope))
    front = pareto_mask(to_minimise(values, modes)) if trials else []
    longest = max((t.iteration for t in analysis.trials), default=0)
    early = [t.status is TrialStatus.TERMINATED and t.iteration < longest for t in trials]
    pairs = list(itertools.combinations(range(len(metrics)), 2)) or [(0, 0)]
    cols = min(len(pairs), 3)
    rows = math.ceil(len(pairs) / cols)
    fig = Figure(figsize=(5.2 * cols, 4.4 * rows), dpi=100)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.12, top=0.9, wspace=0.3, hspace=0.35)
    groups = (("trial", "#8c8c8c", "o", 14, [not f and not e for f, e in zip(front, early)]),
              ("early stopped", "red", "x", 22, [not f and e for f, e in zip(front, early)]),
              ("Pareto front", "#dd8452", "o", 34, list(front)))
    for number, (i, j) in enumerate(pairs, start=1):
        ax = fig.add_subplot(rows, cols, number)
        for label, color, marker, size, chosen in groups:
            picked = [row for row, keep in zip(values, chosen) if keep]
            if picked:
                ax.scatter([p[i] for p in picked], [p[j] for p in picked], s=size, color=color, marker=marker,
                           label=label, zorder=3 if label == "Pareto front" else 2)
        if len(metrics) == 2 and trials:
            staircase = sorted((row[0], row[1]) for row, keep in zip(values, front) if keep)
            ax.step(*zip(*staircase), where="post" if modes[0] == "min" else "pre", color="#dd8452", linewidth=1)
        if not trials:
            ax.text(0.5, 0.5, f"no trial reported {metrics} yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_xlabel(f"{metrics[i]} ({modes[i]})")
        ax.set_ylabel(f"{metrics[j]} ({modes[j]})")
        ax.grid(alpha=0.3)
        if number == 1 and trials:
            ax.legend(loc="best", fontsize=8)
    fig.suptitle(f"Pareto front: {sum(front)} of {len(trials)} trials")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, format="png")
    return path
