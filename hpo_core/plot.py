"""Plots of an experiment, each written as a PNG: optimization history, learning curves, parallel coordinates and
one slice plot per parameter (and, with several objectives, the Pareto front: `hpo_core.plot_front`). matplotlib is imported inside the functions (no pyplot: no global backend change).

Every function takes an `ExperimentAnalysis` or an experiment folder, and `metric`/`mode` (defaults: the
experiment's). A trial's value is its last reported `metric`.
"""
from __future__ import annotations

import math
import os
from typing import Any

from .analysis import ExperimentAnalysis
from .errors import AsktellValueError
from .loggers.files import flatten
from .plot_front import pareto_front_plot
from .storage.layout import safe_name
from .trial import Trial

__all__ = [
    "learning_curves",
    "optimization_history",
    "parallel_coordinates",
    "pareto_front_plot",
    "plot_all",
    "slice_plots",
]


def optimization_history(analysis: Any, path: str, *, metric: str | None = None, mode: str | None = None) -> str:
    """Each trial's value in trial order, and the best so far as a step line."""
    analysis, metric, mode = _prepare(analysis, metric, mode)
    fig, ax = _figure()
    points = [(i, v) for i, v in enumerate(_values(analysis, metric)) if v is not None]
    if points:
        xs, ys = zip(*points)
        ax.scatter(xs, ys, s=14, color="#4c72b0", label="trial value", zorder=3)
        best, running = [], None
        for y in ys:
            running = y if running is None or (y > running if mode == "max" else y < running) else running
            best.append(running)
        ax.step(xs, best, where="post", color="#dd8452", linewidth=2, label=f"best so far ({mode})")
        ax.legend(loc="best")
    else:
        _empty(ax, metric)
    ax.set(xlabel="trial (in start order)", ylabel=metric, title="Optimization history")
    return _save(fig, path)


def learning_curves(analysis: Any, path: str, *, metric: str | None = None, mode: str | None = None,
                    x: str = "training_iteration") -> str:
    """`metric` against `x` for every trial; trials stopped before the longest one are marked with a red x,
    failed ones with a black x."""
    analysis, metric, _ = _prepare(analysis, metric, mode)
    fig, ax = _figure()
    longest = max((t.iteration for t in analysis.trials), default=0)
    marked = {"early stopped": False, "failed": False}
    for trial in _ordered(analysis):
        rows = [(r.get(x), r[metric]) for r in trial.results if metric in r and r.get(x) is not None]
        if not rows:
            continue
        xs, ys = zip(*rows)
        ax.plot(xs, ys, linewidth=1, alpha=0.7)
        kind = "failed" if trial.status.name == "ERROR" else \
            "early stopped" if trial.status.name == "TERMINATED" and trial.iteration < longest else None
        if kind:
            ax.scatter([xs[-1]], [ys[-1]], marker="x", s=40, zorder=3, color="red" if kind == "early stopped"
                       else "black", label=None if marked[kind] else kind)
            marked[kind] = True
    if not ax.lines:
        _empty(ax, metric)
    elif any(marked.values()):
        ax.legend(loc="best")
    ax.set(xlabel=x, ylabel=metric, title="Learning curves")
    return _save(fig, path)


def parallel_coordinates(analysis: Any, path: str, *, metric: str | None = None, mode: str | None = None) -> str:
    """One vertical axis per parameter plus the metric, one line per trial coloured by its value."""
    analysis, metric, mode = _prepare(analysis, metric, mode)
    from matplotlib import cm, colormaps, colors
    from matplotlib.collections import LineCollection

    fig, ax = _figure(width=max(8.0, 1.6 * (len(_params(analysis)) + 1)))
    trials = [(t, v) for t, v in zip(_ordered(analysis), _values(analysis, metric)) if v is not None]
    names = _params(analysis)
    if not trials or not names:
        _empty(ax, metric)
        return _save(fig, path)
    columns = [_axis([flatten(t.config).get(n) for t, _ in trials]) for n in names]
    columns.append(_axis([v for _, v in trials]))
    lines = [[(j, columns[j][0][i]) for j in range(len(columns))] for i in range(len(trials))]
    values = [v for _, v in trials]
    norm = colors.Normalize(min(values), max(values) if max(values) > min(values) else min(values) + 1)
    cmap = colormaps["viridis_r" if mode == "min" else "viridis"]  # best trials brightest
    collection = LineCollection(lines, colors=[cmap(norm(v)) for v in values], linewidths=1, alpha=0.8)
    ax.add_collection(collection)
    for j, (_, labels) in enumerate(columns):
        ax.axvline(j, color="grey", linewidth=0.8)
        for position, text in labels:
            ax.text(j + 0.02, position, text, fontsize=7, va="center")
    ax.set_xlim(-0.2, len(columns) - 0.6)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xticks(range(len(columns)), [*names, metric], rotation=20, ha="right")
    ax.set_yticks([])
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=metric)
    ax.set_title("Parallel coordinates (each axis scaled to its range)")
    return _save(fig, path)


def slice_plots(analysis: Any, folder: str, *, metric: str | None = None, mode: str | None = None) -> list[str]:
    """One PNG per parameter (`slice_<name>.png` in `folder`): the trials' values against that parameter."""
    analysis, metric, _ = _prepare(analysis, metric, mode)
    os.makedirs(folder, exist_ok=True)
    trials = [(t, v) for t, v in zip(_ordered(analysis), _values(analysis, metric)) if v is not None]
    paths = []
    for name in _params(analysis):
        fig, ax = _figure(width=6.0, height=4.5)
        raw = [flatten(t.config).get(name) for t, _ in trials]
        if all(_is_number(r) for r in raw) and raw:
            xs = [float(r) for r in raw]
            if min(xs) > 0 and max(xs) / min(xs) > 1000:
                ax.set_xscale("log")
        else:
            positions, labels = _categories(raw)
            xs = positions
            ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
            ax.set_xlim(-0.5, len(labels) - 0.5)
        points = ax.scatter(xs, [v for _, v in trials], c=range(len(trials)), cmap="Blues", edgecolors="grey",
                            s=22) if trials else None
        if points is not None:
            fig.colorbar(points, ax=ax, label="trial number")
        else:
            _empty(ax, metric)
        ax.set(xlabel=name, ylabel=metric, title=f"Slice: {name}")
        paths.append(_save(fig, os.path.join(folder, f"slice_{safe_name(name.replace('/', '.'), 80)}.png")))
    return paths


def plot_all(analysis: Any, folder: str, *, metric: str | None = None, mode: str | None = None) -> dict[str, list[str]]:
    """Every plot into `folder`; returns {kind: [png paths]}. With several objectives: the Pareto front ("front"),
    and the one-metric plots for `metric` (default: the first objective)."""
    if isinstance(analysis, (str, os.PathLike)):
        analysis = ExperimentAnalysis(analysis)
    several = len(getattr(analysis, "metrics", [])) > 1
    if several and metric is None:
        metric, mode = analysis.metrics[0], analysis.modes[0]
    analysis, metric, mode = _prepare(analysis, metric, mode)
    os.makedirs(folder, exist_ok=True)
    front = [pareto_front_plot(analysis, os.path.join(folder, "front.png"))] if several else []
    return {
        "front": front,
        "history": [optimization_history(analysis, os.path.join(folder, "history.png"), metric=metric, mode=mode)],
        "curves": [learning_curves(analysis, os.path.join(folder, "curves.png"), metric=metric, mode=mode)],
        "parallel": [parallel_coordinates(analysis, os.path.join(folder, "parallel.png"), metric=metric, mode=mode)],
        "slices": slice_plots(analysis, folder, metric=metric, mode=mode),
    }


# --- helpers ---------------------------------------------------------------------------------------------------
def _prepare(analysis: Any, metric: str | None, mode: str | None) -> tuple[ExperimentAnalysis, str, str]:
    if isinstance(analysis, (str, os.PathLike)):
        analysis = ExperimentAnalysis(analysis)
    if not isinstance(analysis, ExperimentAnalysis):
        raise AsktellValueError(f"`analysis` must be an ExperimentAnalysis or a folder, but got {analysis!r}")
    metric, mode = analysis._metric_mode(metric, mode)
    return analysis, metric, mode


def _ordered(analysis: ExperimentAnalysis) -> list[Trial]:
    return sorted(analysis.trials, key=lambda t: t.trial_id)


def _values(analysis: ExperimentAnalysis, metric: str) -> list[float | None]:
    out = []
    for trial in _ordered(analysis):
        value = next((r[metric] for r in reversed(trial.results) if metric in r), None)
        out.append(float(value) if _is_number(value) and not math.isnan(float(value)) else None)
    return out


def _params(analysis: ExperimentAnalysis) -> list[str]:
    names: dict[str, None] = {}
    for trial in _ordered(analysis):
        for key in flatten(trial.config):
            names.setdefault(key)
    return list(names)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) or type(value).__name__.startswith(
        ("float", "int"))


def _categories(raw: list[Any]) -> tuple[list[float], list[str]]:
    labels: dict[str, int] = {}
    for item in raw:
        labels.setdefault(str(item)[:20], len(labels))
    return [float(labels[str(item)[:20]]) for item in raw], list(labels)


def _axis(raw: list[Any]) -> tuple[list[float], list[tuple[float, str]]]:
    """Values scaled to [0, 1] (categories spread evenly) and a few (position, label) ticks."""
    if all(_is_number(r) for r in raw):
        xs = [float(r) for r in raw]
        low, high = min(xs), max(xs)
        span = high - low or 1.0
        return [(x - low) / span for x in xs], [(0.0, f"{low:.3g}"), (1.0, f"{high:.3g}")]
    positions, labels = _categories(raw)
    top = max(len(labels) - 1, 1)
    return [p / top for p in positions], [(i / top, text) for i, text in enumerate(labels[:12])]


def _figure(width: float = 8.0, height: float = 5.0):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)  # fixed margins: a layout engine costs more than the plot
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.15, top=0.92)
    return fig, fig.add_subplot()


def _empty(ax, metric: str) -> None:
    ax.text(0.5, 0.5, f"no trial reported {metric!r} yet", ha="center", va="center", transform=ax.transAxes)


def _save(fig, path: str) -> str:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(path, format="png")
    return path
