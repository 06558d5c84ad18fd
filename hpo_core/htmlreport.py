"""One self-contained HTML page about an experiment: summary, best config, sortable trial table, embedded plots.

Everything is inline (CSS, a few lines of JavaScript for sorting, PNGs as data: URIs), so the file opens offline.
"""
from __future__ import annotations

import base64
import datetime
import html
import json
import math
import os
import tempfile
from typing import Any

from .analysis import ExperimentAnalysis
from .enums import TrialStatus
from .loggers.files import flatten
from .storage.layout import to_jsonable
from .storage.loader import load_experiment

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.summary td{padding:2px 14px 2px 0} pre{background:#f6f6f6;padding:10px;border-radius:4px;overflow:auto}
table.trials{border-collapse:collapse;font-size:13px} table.trials th,table.trials td{border:1px solid #ddd;
padding:3px 7px;text-align:right;white-space:nowrap} table.trials th{background:#eef;cursor:pointer;
position:sticky;top:0} table.trials td.s{text-align:left} tr.best td{background:#fff3c4}
.ERROR{color:#b00} .plots img{max-width:100%;border:1px solid #eee;margin:6px 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:8px}
"""

_JS = """
document.querySelectorAll('table.trials th').forEach(function(th, col){
  th.addEventListener('click', function(){
    var body = th.closest('table').tBodies[0], rows = Array.from(body.rows);
    var asc = th.dataset.dir !== 'asc'; th.dataset.dir = asc ? 'asc' : 'desc';
    rows.sort(function(a, b){
      var x = a.cells[col].dataset.v, y = b.cells[col].dataset.v, nx = parseFloat(x), ny = parseFloat(y);
      var r = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : String(x).localeCompare(String(y));
      return asc ? r : -r;
    });
    rows.forEach(function(r){ body.appendChild(r); });
  });
});
var wanted = location.hash.match(/sort=([0-9]+)/);  // report.html#sort=3 opens sorted by the 4th column
if (wanted) { var th = document.querySelectorAll('table.trials th')[+wanted[1]]; if (th) th.click(); }
"""


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
    name = _e(os.path.basename(loaded.path))
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>asktell report: {name}</title>",
             f"<style>{_CSS}</style></head><body>",
             f"<h1>Experiment {name}</h1>",
             _summary(loaded, analysis, metric, mode, best)]
    if len(analysis.metrics) > 1:
        parts.append(_front_section(analysis))
    parts.append("<h2>Best config</h2>")
    if best is not None:
        parts.append(f"<p>{_e(str(best))}: {_e(metric)} = {_e(_fmt(best.last_result.get(metric)))}</p>"
                     f"<pre>{_e(json.dumps(to_jsonable(best.config), indent=2, ensure_ascii=False))}</pre>")
    else:
        parts.append("<p>No trial has reported the metric yet.</p>")
    parts.append("<h2>Plots</h2>" + _plots(analysis, metric, mode))
    parts.append("<h2>Trials</h2><p>Click a column header to sort.</p>" + _table(analysis, metric, best))
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(parts)


def _summary(loaded, analysis: ExperimentAnalysis, metric, mode, best) -> str:
    counts: dict[str, int] = {}
    for trial in analysis.trials:
        counts[trial.status.name] = counts.get(trial.status.name, 0) + 1
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


def _plots(analysis: ExperimentAnalysis, metric, mode) -> str:
    if not metric or not mode:
        return "<p>No metric/mode: no plots.</p>"
    try:
        from .plot import plot_all
    except ImportError:  # pragma: no cover - matplotlib missing
        return "<p>matplotlib is not installed (pip install 'asktell[plot]'): no plots.</p>"
    with tempfile.TemporaryDirectory() as folder:
        try:
            made = plot_all(analysis, folder, metric=metric, mode=mode)
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


def _table(analysis: ExperimentAnalysis, metric: str | None, best) -> str:
    trials = sorted(analysis.trials, key=lambda t: t.trial_id)
    params: dict[str, None] = {}
    for trial in trials:
        for key in flatten(trial.config):
            params.setdefault(key)
    metric_head = [f"{metric} (last)", f"{metric} (best)"] if metric else []
    head = ["trial", "status", "iterations", *metric_head, "time (s)", *params]
    rows = []
    for trial in trials:
        cells: list[tuple[Any, str]] = [(str(trial), "s"), (trial.status.name, "s " + trial.status.name),
                                         (trial.iteration, "")]
        if metric:
            values = [r[metric] for r in trial.results if isinstance(r.get(metric), (int, float))]
            clean = [v for v in values if not math.isnan(v)]
            best_value = (max(clean) if analysis.default_mode == "max" else min(clean)) if clean else None
            cells += [(values[-1] if values else None, ""), (best_value, "")]
        flat = flatten(trial.config)
        cells.append((round(trial.time_total_s, 3), ""))
        cells += [(flat.get(p), "" if isinstance(flat.get(p), (int, float)) else "s") for p in params]
        title = f" title='{_e(trial.error[-500:])}'" if trial.status is TrialStatus.ERROR and trial.error else ""
        rows.append(f"<tr{' class=best' if trial is best else ''}{title}>" + "".join(
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
