"""One self-contained HTML page about an experiment: summary, best config, the dashboard's interactive charts,
PNG plots, a sortable trial table and the tracebacks of failed trials.

Everything is inline (the dashboard's CSS and chart script from hpo_core/dashboard/static, the trials as JSON,
PNGs as data: URIs), so the file opens offline. Status labels and log axes come from `hpo_core.dashboard.view`,
as on the live dashboard.
"""
from __future__ import annotations

import base64
import datetime
import html
import json
import os
import tempfile
from typing import Any

from .analysis import ExperimentAnalysis
from .dashboard.view import best_value, is_early, log_params, longest_iteration, status_labels, trial_summary
from .enums import TrialStatus
from .loggers.files import flatten
from .storage.layout import to_jsonable
from .storage.loader import load_experiment

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dashboard", "static")
SCRIPTS = ("charts.js", "report.js")  # the dashboard's charts, drawn from the data embedded in the page
STYLES = ("charts.css", "report.css")


def write_report(path: str | os.PathLike, output: str | os.PathLike, *, metric: str | None = None,
                 mode: str | None = None) -> str:
    """Write the HTML report of the experiment folder `path` to `output`; returns `output`."""
    loaded = load_experiment(path)
    objectives = (loaded.header.get("metrics"), loaded.header.get("modes")) if metric is None else (None, None)
    analysis = ExperimentAnalysis(loaded.trials, default_metric=objectives[0] or metric or loaded.metric,
                                  default_mode=objectives[1] or mode or loaded.mode)
    if len(analysis.metrics) > 1:  # several objectives: the one-metric parts of the page show the first
        metric, mode = analysis.metrics[0], analysis.modes[0]
    else:
        metric, mode = analysis.default_metric, analysis.default_mode
    page = render(loaded, analysis, metric, mode)
    with open(output, "w", encoding="utf-8") as handle:
        handle.write(page)
    return os.fspath(output)


def render(loaded, analysis: ExperimentAnalysis, metric: str | None, mode: str | None) -> str:
    best = analysis.get_best_trial(metric, mode) if metric and mode else None
    labels = status_labels(analysis.trials, loaded)
    name = _e(os.path.basename(loaded.path))
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>asktell report: {name}</title>",
             "".join(f"<style>{_static(style)}</style>" for style in STYLES), "</head><body>",
             f"<h1>Experiment {name}</h1>",
             _summary(loaded, analysis, metric, mode, best, labels)]
    if len(analysis.metrics) > 1:
        parts.append(_front_section(analysis))
    parts.append("<h2>Best config</h2>")
    if best is not None:
        parts.append(f"<p>{_e(str(best))}: {_e(metric)} = {_e(_fmt(best.last_result.get(metric)))}</p>"
                     f"<pre>{_e(json.dumps(to_jsonable(best.config), indent=2, ensure_ascii=False))}</pre>")
    else:
        parts.append("<p>No trial has reported the metric yet.</p>")
    parts.append("<h2>Charts</h2>" + _charts(loaded, metric, mode))
    parts.append("<h2>Plots</h2>" + _plots(analysis, metric, mode, labels, log_params(loaded)))
    parts.append("<h2>Trials</h2><p>Click a column header to sort.</p>" + _table(analysis, metric, best, labels))
    parts.append(_failures(analysis))
    parts.append("".join(f"<script>{_static(script)}</script>" for script in SCRIPTS) + "</body></html>")
    return "\n".join(parts)


def _charts(loaded, metric: str | None, mode: str | None) -> str:
    """The dashboard's three charts, drawn in the browser from the trials embedded as JSON."""
    longest = longest_iteration(loaded.trials)
    data = {"metric": metric, "mode": mode, "log_params": log_params(loaded),
            "trials": [trial_summary(t, loaded, longest) for t in sorted(loaded.trials, key=lambda t: t.trial_id)]}
    text = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")  # no </script> inside
    figures = "".join(f"<figure{cls}><figcaption{caption_id}>{title}</figcaption><svg id='{key}' class='chart'></svg>"
                      "</figure>" for key, title, cls, caption_id in (
                          ("curves", "Learning curves", "", " id='curves-title'"),
                          ("history", "Best so far", "", ""),
                          ("parallel", "Parallel coordinates", " class='wide'", "")))
    return (f"<section class='panels'>{figures}</section>"
            f"<script type='application/json' id='asktell-data'>{text}</script>")


def _failures(analysis: ExperimentAnalysis) -> str:
    """Each failed trial's traceback, in the page (not a tooltip)."""
    failed = sorted((t for t in analysis.trials if t.status is TrialStatus.ERROR and t.error),
                    key=lambda t: t.trial_id)
    if not failed:
        return ""
    items = "".join(f"<details class='failure' open><summary>{_e(str(t))}: {_e(t.error.strip().splitlines()[-1])}"
                    f"</summary><pre>{_e(t.error)}</pre></details>" for t in failed)
    return f"<h2>Failed trials ({len(failed)})</h2>{items}"


def _static(name: str) -> str:
    with open(os.path.join(STATIC, name), encoding="utf-8") as handle:
        return handle.read()


def _summary(loaded, analysis: ExperimentAnalysis, metric, mode, best, labels: dict[str, str]) -> str:
    counts: dict[str, int] = {}
    for trial in analysis.trials:
        label = labels[trial.trial_id]
        counts[label] = counts.get(label, 0) + 1
    header = loaded.header
    rows = [
        ("folder", loaded.path), ("state", loaded.state.name),
        ("trials", f"{len(analysis.trials)} ({', '.join(f'{v} {k}' for k, v in sorted(counts.items()))})"),
        ("metric", f"{metric} ({mode})"), ("searcher", header.get("searcher")), ("scheduler", header.get("scheduler")),
        ("started", _when(loaded.started)), ("last update", _when(loaded.last_update)),
        ("best", f"{_fmt(best.last_result.get(metric))} ({best})" if best is not None else "-"),
    ]
    return "<table class='summary'>" + "".join(
        f"<tr><td><b>{_e(k)}</b></td><td>{_e(str(v))}</td></tr>" for k, v in rows) + "</table>"


def _plots(analysis: ExperimentAnalysis, metric, mode, labels: dict[str, str], logs: list[str]) -> str:
    if not metric or not mode:
        return "<p>No metric/mode: no plots.</p>"
    try:
        from .plot import plot_all
    except ImportError:  # pragma: no cover - matplotlib missing
        return "<p>matplotlib is not installed (pip install 'asktell[plot]'): no plots.</p>"
    with tempfile.TemporaryDirectory() as folder:
        try:
            made = plot_all(analysis, folder, metric=metric, mode=mode, labels=labels, log_params=logs)
        except ImportError:
            return "<p>matplotlib is not installed (pip install 'asktell[plot]'): no plots.</p>"
        images = []
        for kind in ("front", "history", "curves", "parallel", "slices"):
            for path in made.get(kind, []):
                with open(path, "rb") as handle:
                    data = base64.b64encode(handle.read()).decode("ascii")
                images.append(f"<div><img alt='{_e(kind)}: {_e(os.path.basename(path))}' "
                              f"src='data:image/png;base64,{data}'></div>")
    return f"<div class='plots grid'>{''.join(images)}</div>"


def _front_section(analysis: ExperimentAnalysis) -> str:
    """Several objectives: the Pareto front's size, its hypervolume and its trials with their values and configs."""
    front = sorted(analysis.best_trials, key=lambda t: t.trial_id)
    head = ["trial", *(f"{m} ({d})" for m, d in zip(analysis.metrics, analysis.modes)), "config"]
    rows = []
    for trial in front:
        values = [trial.last_result.get(m) for m in analysis.metrics]
        config = json.dumps(to_jsonable(trial.config), ensure_ascii=False)
        cells = [(str(trial), "s"), *((v, "") for v in values), (config, "s")]
        rows.append("<tr>" + "".join(f"<td class='{cls}' data-v='{_e(_sortkey(v))}'>{_e(_fmt(v))}</td>"
                                     for v, cls in cells) + "</tr>")
    return (f"<h2>Pareto front</h2><p>{len(front)} of {len(analysis.trials)} trials are on the front of "
            f"{_e(', '.join(analysis.metrics))}; hypervolume {_fmt(analysis.hypervolume())} (reference: the worst "
            "values seen plus a tenth of their range).</p><table class='trials'><thead><tr>"
            + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>" + "".join(rows)
            + "</tbody></table>")


def _table(analysis: ExperimentAnalysis, metric: str | None, best, labels: dict[str, str]) -> str:
    trials = sorted(analysis.trials, key=lambda t: t.trial_id)
    params: dict[str, None] = {}
    for trial in trials:
        for key in flatten(trial.config):
            params.setdefault(key)
    metric_head = [f"{metric} (last)", f"{metric} (best)"] if metric else []
    head = ["trial", "status", "iterations", *metric_head, "time (s)", *params]
    rows = []
    for trial in trials:
        label = labels[trial.trial_id]
        status_class = "ERROR" if trial.status is TrialStatus.ERROR else "early" if is_early(label) else ""
        cells: list[tuple[Any, str]] = [(str(trial), "s"), (label, f"s {status_class}"), (trial.iteration, "")]
        if metric:
            values = [r[metric] for r in trial.results if isinstance(r.get(metric), (int, float))]
            cells += [(values[-1] if values else None, ""), (best_value(values, analysis.default_mode), "")]
        flat = flatten(trial.config)
        cells.append((round(trial.time_total_s, 3), ""))
        cells += [(flat.get(p), "" if isinstance(flat.get(p), (int, float)) else "s") for p in params]
        rows.append(f"<tr{' class=best' if trial is best else ''}>" + "".join(
            f"<td class='{cls}' data-v='{_e(_sortkey(v))}'>{_e(_fmt(v))}</td>" for v, cls in cells) + "</tr>")
    return ("<table class='trials'><thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) +
            "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _sortkey(value: Any) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)


def _when(stamp: float | None) -> str:
    if stamp is None:
        return "-"
    return datetime.datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M:%S")


def _e(text: str) -> str:
    return html.escape(text, quote=True)
