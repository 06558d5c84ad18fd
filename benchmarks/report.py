"""Writing a suite's results: CSV + JSON, Markdown tables, and PNG plots of median best-so-far with quartile bands."""
from __future__ import annotations

import csv
import json
import math
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def fmt(value: Any) -> str:
    """Numbers as short, stable text (same value, same text), for CSV and Markdown."""
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.6g}"
    return str(value)


def write_csv(path: Path, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> Path:
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([fmt(row.get(column, "")) for column in columns])
    return path


def write_json(path: Path, payload: Any) -> Path:
    with open(path, "w") as handle:
        json.dump(payload, handle, indent=1, sort_keys=True, default=str)
        handle.write("\n")
    return path


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(fmt(row.get(column, "")) for column in columns) + " |")
    return "\n".join(lines)


def quartiles(values: Iterable[float]) -> tuple[float, float, float]:
    """(median, 25th, 75th percentile); NaN for no values."""
    data = np.asarray([v for v in values if v is not None], dtype=float)
    if data.size == 0:
        return math.nan, math.nan, math.nan
    q25, median, q75 = np.percentile(data, [25, 50, 75])
    return float(median), float(q25), float(q75)


def median_iqr(values: Iterable[float]) -> str:
    """'median [q25, q75]' as table text."""
    median, q25, q75 = quartiles(values)
    return f"{median:.4g} [{q25:.4g}, {q75:.4g}]"


def best_so_far(trace: Sequence[dict[str, Any]], x_key: str, y_key: str, grid: np.ndarray) -> np.ndarray:
    """The step function `y` of a trace (rows at each improvement) read off at the `grid` points; NaN before the
    first result."""
    xs = np.array([row[x_key] for row in trace], dtype=float)
    ys = np.array([row[y_key] for row in trace], dtype=float)
    index = np.searchsorted(xs, grid, side="right") - 1
    out = np.where(index >= 0, ys[np.clip(index, 0, None)], np.nan)
    return out


def plot_panels(path: Path, panels: dict[str, dict[str, list[Sequence[dict[str, Any]]]]], *, x_key: str,
                y_key: str, xlabel: str, ylabel: str, log_y: bool = True, log_x: bool = False,
                title: str = "") -> Path:
    """One subplot per panel; per method the median over seeds of the best-so-far curve and its quartile band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    order = list(dict.fromkeys(method for methods in panels.values() for method in methods))
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colors = {method: palette[i % len(palette)] for i, method in enumerate(order)}  # one colour per method
    count = max(1, len(panels))
    cols = min(count, 3)
    rows = math.ceil(count / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(max(4.2 * cols, 7.0), 3.2 * rows + 0.6), squeeze=False)
    for ax, (panel, methods) in zip(axes.flat, panels.items()):
        end = max((row[x_key] for traces in methods.values() for trace in traces for row in trace), default=1.0)
        # from the moment every run has a result, so the median is over all seeds everywhere
        start = max((trace[0][x_key] for traces in methods.values() for trace in traces if trace), default=0.0)
        grid = (np.geomspace(max(start, 1e-9), max(end, start + 1e-9), 200) if log_x
                else np.linspace(start, max(end, start + 1e-9), 200))
        panel_log = all(row[y_key] >= 0 for traces in methods.values() for trace in traces for row in trace)
        for method, traces in methods.items():
            curves = np.array([best_so_far(trace, x_key, y_key, grid) for trace in traces if trace])
            if curves.size == 0:
                continue
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns before the first result
                low, mid, high = np.nanpercentile(curves, [25, 50, 75], axis=0)
            if log_y and panel_log:
                low, mid, high = (np.maximum(a, 1e-9) for a in (low, mid, high))
            ax.plot(grid, mid, label=method, linewidth=1.4, color=colors[method])
            ax.fill_between(grid, low, high, color=colors[method], alpha=0.15, linewidth=0)
        ax.set_title(panel, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
        ax.tick_params(labelsize=7)
        if log_y and panel_log:
            ax.set_yscale("log")
        if log_x:
            ax.set_xscale("log")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[count:]:
        ax.axis("off")
    handles = [Line2D([], [], color=colors[method], linewidth=1.4) for method in order]
    labels = order
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4 if cols == 1 else 7), fontsize=8,
                   frameon=False)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout(rect=(0, 0.12 if cols == 1 else 0.07, 1, 1))
    fig.savefig(path, dpi=64)
    plt.close(fig)
    return path
