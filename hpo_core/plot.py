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
from .dashboard.view import is_early, is_number, log_params, spans_decades, status_labels
from .errors import AsktellValueError
from .loggers.files import flatten
from .plot_front import pareto_front_plot
from .storage.layout import safe_name
from .storage.loader import LoadedExperiment, is_experiment, load_experiment
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
                    x: str = "training_iteration", labels: dict[str, str] | None = None) -> str:
    """`metric` against `x` for every trial; trials stopped early are marked with a red x, failed ones with a
    black x. When every trial reported at most once, the trials' values by trial number instead (curves of one
    point say nothing). `labels` (trial_id -> status label, see `hpo_core.dashboard.view`) say which trials a
    decision stopped early; by default, those of an experiment folder's journal."""
    analysis, metric, _ = _prepare(analysis, metric, mode)
    labels = labels if labels is not None else _folder_facts(analysis)[0]
    fig, ax = _figure()
    trials = [t for t in _ordered(analysis) if any(metric in r and r.get(x) is not None for r in t.results)]
    single = all(len(t.results) <= 1 for t in trials)
    marked = {"early stopped": False, "failed": False}
    for number, trial in enumerate(trials):
        rows = [(r.get(x), r[metric]) for r in trial.results if metric in r and r.get(x) is not None]
        xs, ys = zip(*rows)
        if single:
            xs = (number,)
            ax.scatter(xs, ys, s=22, color="#4c72b0", zorder=2)
        else:
            ax.plot(xs, ys, linewidth=1.2, alpha=0.75)
        label = labels.get(trial.trial_id, trial.status.name)
        kind = "failed" if trial.status.name == "ERROR" else "early stopped" if is_early(label) else None
        if kind:
            ax.scatter([xs[-1]], [ys[-1]], marker="x", s=50, zorder=3, color="red" if kind == "early stopped"
                       else "black", label=None if marked[kind] else kind)
            marked[kind] = True
    if not trials:
        _empty(ax, metric)
    elif any(marked.values()):
        ax.legend(loc="best")
    title = f"One report per trial: {metric} by trial" if trials and single else "Learning curves"
    ax.set(xlabel="trial (in start order)" if trials and single else x, ylabel=metric, title=title)
    return _save(fig, path)


def parallel_coordinates(analysis: Any, path: str, *, metric: str | None = None, mode: str | None = None,
                         log_params: list[str] | None = None) -> str:
    """One vertical axis per parameter plus the metric, one line per trial coloured by its value; the parameters
    in `log_params` (default: the space's log domains, read from the folder, else those spanning 3 decades) on log
    axes."""
    analysis, metric, mode = _prepare(analysis, metric, mode)
    logs = set(log_params if log_params is not None else _folder_facts(analysis)[1])
    from matplotlib import cm, colormaps, colors
    from matplotlib.collections import LineCollection

    fig, ax = _figure(width=max(8.0, 1.6 * (len(_params(analysis)) + 1)))
    trials = [(t, v) for t, v in zip(_ordered(analysis), _values(analysis, metric)) if v is not None]
    names = _params(analysis)
    if not trials or not names:
        _empty(ax, metric)
        return _save(fig, path)
    columns = [_axis([flatten(t.config).get(n) for t, _ in trials], log=n in logs) for n in names]
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
            ax.text(j + 0.03, position, text, fontsize=10, va="center")
    ax.set_xlim(-0.2, len(columns) - 0.6)
    ax.set_ylim(-0.05, 1.05)
    ax.set_xticks(range(len(columns)), [*(f"{n} (log)" if n in logs else n for n in names), metric], rotation=20,
                  ha="right")
    ax.set_yticks([])
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=metric)
    ax.set_title("Parallel coordinates (each axis scaled to its range; log axes marked)")
    return _save(fig, path)


def slice_plots(analysis: Any, folder: str, *, metric: str | None = None, mode: str | None = None,
                log_params: list[str] | None = None) -> list[str]:
    """One PNG per parameter (`slice_<name>.png` in `folder`): the trials' values against that parameter (on a
    log axis for the parameters in `log_params`, by default as in `parallel_coordinates`)."""
    analysis, metric, _ = _prepare(analysis, metric, mode)
    os.makedirs(folder, exist_ok=True)
    trials = [(t, v) for t, v in zip(_ordered(analysis), _values(analysis, metric)) if v is not None]
    logs = set(log_params if log_params is not None else _folder_facts(analysis)[1])
    paths = []
    for name in _params(analysis):
        fig, ax = _figure(width=6.0, height=4.5)
        raw = [flatten(t.config).get(name) for t, _ in trials]
        if all(is_number(r) for r in raw) and raw:
            xs = [float(r) for r in raw]
            if name in logs and min(xs) > 0:
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


def plot_all(analysis: Any, folder: str, *, metric: str | None = None, mode: str | None = None,
             labels: dict[str, str] | None = None, log_params: list[str] | None = None) -> dict[str, list[str]]:
    """Every plot into `folder`; returns {kind: [png paths]}. `labels` and `log_params` as in `learning_curves`
    and `parallel_coordinates` (read once here when not given). With several objectives: the Pareto front
    ("front"), and the one-metric plots for `metric` (default: the first objective)."""
    if isinstance(analysis, (str, os.PathLike)):
        analysis = ExperimentAnalysis(analysis)
    several = len(getattr(analysis, "metrics", [])) > 1
    if several and metric is None:
        metric, mode = analysis.metrics[0], analysis.modes[0]
    analysis, metric, mode = _prepare(analysis, metric, mode)
    os.makedirs(folder, exist_ok=True)
    front = [pareto_front_plot(analysis, os.path.join(folder, "front.png"))] if several else []
    if labels is None or log_params is None:
        facts = _folder_facts(analysis)
        labels, log_params = labels if labels is not None else facts[0], log_params if log_params is not None else facts[1]
    logs = log_params
    return {
        "front": front,
        "history": [optimization_history(analysis, os.path.join(folder, "history.png"), metric=metric, mode=mode)],
        "curves": [learning_curves(analysis, os.path.join(folder, "curves.png"), metric=metric, mode=mode,
                                   labels=labels)],
        "parallel": [parallel_coordinates(analysis, os.path.join(folder, "parallel.png"), metric=metric, mode=mode,
                                          log_params=logs)],
        "slices": slice_plots(analysis, folder, metric=metric, mode=mode, log_params=logs),
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
        out.append(float(value) if is_number(value) and not math.isnan(float(value)) else None)
    return out


def _params(analysis: ExperimentAnalysis) -> list[str]:
    names: dict[str, None] = {}
    for trial in _ordered(analysis):
        for key in flatten(trial.config):
            names.setdefault(key)
    return list(names)


def _folder_facts(analysis: ExperimentAnalysis) -> tuple[dict[str, str], list[str]]:
    """(status labels, log parameters): from the journal when the analysis was loaded from a folder, else from the
    trials alone."""
    loaded = _loaded(analysis)
    if loaded is not None:
        return status_labels(analysis.trials, loaded), log_params(loaded)
    logs = [name for name in _params(analysis)
            if spans_decades([flatten(t.config).get(name) for t in analysis.trials])]
    return status_labels(analysis.trials), logs


def _loaded(analysis: ExperimentAnalysis) -> LoadedExperiment | None:
    return load_experiment(analysis.path) if analysis.path and is_experiment(analysis.path) else None


def _categories(raw: list[Any]) -> tuple[list[float], list[str]]:
    labels: dict[str, int] = {}
    for item in raw:
        labels.setdefault(str(item)[:20], len(labels))
    return [float(labels[str(item)[:20]]) for item in raw], list(labels)


def _axis(raw: list[Any], *, log: bool = False) -> tuple[list[float], list[tuple[float, str]]]:
    """Values scaled to [0, 1] (on a log scale when asked; categories spread evenly) and a few (position, label)
    ticks: the ends, and the powers of ten between them on a log axis."""
    if all(is_number(r) for r in raw):
        xs = [float(r) for r in raw]
        low, high = min(xs), max(xs)
        if log and low > 0 and high > low:
            scale = math.log(high) - math.log(low)
            ticks = [(0.0, f"{low:.3g}"), (1.0, f"{high:.3g}")]
            ticks += [((e * math.log(10) - math.log(low)) / scale, f"1e{e}")
                      for e in range(math.ceil(math.log10(low)), math.floor(math.log10(high)) + 1)]
            return [(math.log(x) - math.log(low)) / scale for x in xs], ticks
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
    for ax in fig.axes:  # fonts readable in a report (matplotlib's defaults are small at this size)
        ax.tick_params(labelsize=11)
        ax.xaxis.label.set_size(12)
        ax.yaxis.label.set_size(12)
        ax.title.set_size(14)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fig.savefig(path, format="png")
    return path
