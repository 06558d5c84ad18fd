"""The HTML report and the PNG plots say what the dashboard says: early stops by their scheduler (and a trial that
ended on its own is not one), tracebacks in the page, log axes for log parameters, a view for one-report trials."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

import hpo_core
from hpo_core import SerialExecutor, loguniform, plot, report, uniform
from hpo_core.htmlreport import write_report
from hpo_core.schedulers import ASHAScheduler

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image")


def _steps(config):
    if config["lr"] > 0.01:
        raise RuntimeError("diverged <at> step 0")
    for step in range(1, 7):
        report(loss=config["lr"] * 10 / step + config["w"])
        if config["w"] > 0.8 and step == 3:
            return  # ends on its own: no scheduler stopped it


def _once(config):
    return {"loss": (config["lr"] - 0.01) ** 2}


def _run(tmp_path, trainable, name, **kwargs):
    hpo_core.run(trainable, {"lr": loguniform(1e-4, 1e-1), "w": uniform(0, 1)}, num_samples=12, metric="loss",
                 mode="min", executor=SerialExecutor(), storage_path=tmp_path, name=name, verbose=0, seed=7,
                 raise_on_failed_trial=False, **kwargs)
    return tmp_path / name


def _page(folder, output) -> str:
    with open(write_report(folder, output), encoding="utf-8") as handle:
        return handle.read()


def _statuses(page: str) -> list[str]:
    return re.findall(r"<tr[^>]*><td class='s'[^>]*>[^<]*</td><td class='s[^']*' data-v='[^']*'>([^<]*)</td>", page)


def _red_pixels(path) -> int:
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(int)
    return int(((rgb[:, 0] > 200) & (rgb[:, 1] < 40) & (rgb[:, 2] < 40)).sum())


def test_a_trial_that_ends_on_its_own_is_not_stopped_early(tmp_path):
    folder = _run(tmp_path, _steps, "fifo")
    page = _page(folder, tmp_path / "fifo.html")
    statuses = _statuses(page)
    assert len(statuses) == 12 and "TERMINATED" in statuses and "ERROR" in statuses
    assert not any("stopped early" in s for s in statuses)
    short = [t for t in hpo_core.ExperimentAnalysis(str(folder)).trials if t.status.name == "TERMINATED"
             and t.iteration < 6]
    assert short  # the seed gives trials that returned at step 3
    assert _red_pixels(plot.learning_curves(str(folder), str(tmp_path / "c.png"))) == 0


def test_early_stops_are_labelled_with_their_scheduler(tmp_path):
    folder = _run(tmp_path, _steps, "asha", scheduler=ASHAScheduler(max_t=6, grace_period=1))
    page = _page(folder, tmp_path / "asha.html")
    statuses = _statuses(page)
    assert "stopped early by AsyncHyperBandScheduler" in statuses
    data = json.loads(re.search(r"<script type='application/json' id='asktell-data'>(.*?)</script>", page).group(1))
    assert data["log_params"] == ["lr"]  # the space's loguniform, drawn on a log axis
    assert {t["label"] for t in data["trials"]} == set(statuses)
    assert _red_pixels(plot.learning_curves(str(folder), str(tmp_path / "c.png"))) > 0


def test_tracebacks_are_in_the_page_not_a_tooltip(tmp_path):
    folder = _run(tmp_path, _steps, "fails")
    page = _page(folder, tmp_path / "fails.html")
    failures = re.findall(r"<details class='failure' open><summary>([^<]*)</summary><pre>(.*?)</pre>", page,
                          re.DOTALL)
    failed = [t for t in hpo_core.ExperimentAnalysis(str(folder)).trials if t.status.name == "ERROR"]
    assert failed and len(failures) == len(failed)
    for summary, text in failures:
        assert "RuntimeError: diverged &lt;at&gt; step 0" in summary and "Traceback (most recent call last)" in text
    assert " title=" not in page


def test_one_report_per_trial_draws_each_trials_value(tmp_path):
    folder = _run(tmp_path, _once, "once")
    path = plot.learning_curves(str(folder), str(tmp_path / "once.png"))
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(int)
    dots = (np.abs(rgb - [0x4C, 0x72, 0xB0]).max(axis=1) < 30).sum()  # one blue dot per trial
    assert dots > 12 * 20


def test_log_axis_of_the_parallel_plot_spaces_decades_evenly():
    positions, ticks = plot._axis([1e-4, 1e-3, 1e-2], log=True)
    assert positions == pytest.approx([0.0, 0.5, 1.0])
    assert ("1e-3" in [text for _, text in ticks])
