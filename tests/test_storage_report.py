"""Plots (valid PNGs), the `asktell` command (ls, report) and the HTML report as Chromium renders it."""
from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys

import numpy as np
import pytest

import hpo_core
from hpo_core import SerialExecutor, choice, plot, report, uniform
from hpo_core.cli import main
from hpo_core.schedulers import ASHAScheduler

pytest.importorskip("matplotlib")


def _trainable(config):
    for step in range(1, 7):
        report(loss=(config["lr"] - 0.3) ** 2 + 1 / step + (config["opt"] == "sgd") * 0.1)
        if config["lr"] > 0.7 and step == 3:
            return


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    root = tmp_path_factory.mktemp("store")
    hpo_core.run(_trainable, {"lr": uniform(0, 1), "opt": choice(["sgd", "adam"]), "net": {"w": uniform(1e-4, 1)}},
                 num_samples=10, metric="loss", mode="min", executor=SerialExecutor(), storage_path=root,
                 name="demo", verbose=0, seed=2, scheduler=ASHAScheduler(max_t=6, grace_period=2))
    return root


def _png_size(path):
    with open(path, "rb") as handle:
        head = handle.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def test_every_plot_is_a_valid_png(experiment, tmp_path):
    made = plot.plot_all(str(experiment / "demo"), str(tmp_path))
    assert [os.path.basename(p) for p in made["slices"]] == ["slice_lr.png", "slice_opt.png", "slice_net.w.png"]
    for kind, paths in made.items():
        for path in paths:
            width, height = _png_size(path)
            assert width > 100 and height > 100 and os.path.getsize(path) > 5000, (kind, path)
    from PIL import Image

    with Image.open(made["curves"][0]) as image:  # early-stopped trials are marked in red
        rgb = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(int)
        assert ((rgb[:, 0] > 200) & (rgb[:, 1] < 40) & (rgb[:, 2] < 40)).any()


def test_plots_of_an_experiment_without_results_still_write_pngs(tmp_path):
    analysis = hpo_core.ExperimentAnalysis([], default_metric="loss", default_mode="min")
    assert _png_size(plot.optimization_history(analysis, str(tmp_path / "h.png")))[0] > 0
    assert _png_size(plot.learning_curves(analysis, str(tmp_path / "c.png")))[0] > 0
    assert _png_size(plot.parallel_coordinates(analysis, str(tmp_path / "p.png")))[0] > 0


def test_ls_lists_experiments_with_state_and_best(experiment, capsys):
    assert main(["ls", str(experiment)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["EXPERIMENT", "STATE", "TRIALS"]
    row = lines[1].split()
    best = min(t.last_result["loss"] for t in hpo_core.ExperimentAnalysis(str(experiment / "demo")).trials)
    assert row[:3] == ["demo", "FINISHED", "10"] and row[5] == f"loss={best:.6g}"
    assert main(["report", str(experiment)]) == 2  # the storage folder is no experiment folder


@pytest.fixture(scope="module")
def report_page(experiment):
    out = experiment / "report.html"
    assert main(["report", str(experiment / "demo"), "-o", str(out)]) == 0
    return out


def test_report_is_self_contained(report_page):
    page = report_page.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 6
    assert "src='http" not in page and "href=" not in page  # nothing to fetch: opens offline
    assert page.count("<tr") >= 10 + 1 and "class=best" in page


def test_command_line_entry_point(experiment):
    command = [shutil.which("asktell")] if shutil.which("asktell") else [sys.executable, "-m", "hpo_core.cli"]
    done = subprocess.run([*command, "ls", str(experiment)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].split()[:2] == ["demo", "FINISHED"]


@pytest.mark.slow
def test_chromium_renders_plots_and_table(report_page, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from PIL import Image

    page = report_page
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1200,5000",
                    page.as_uri()], capture_output=True, timeout=120, check=False)
    assert _png_size(shot) == (1200, 5000)
    with Image.open(shot) as image:
        rgb = np.asarray(image.convert("RGB")).reshape(-1, 3).astype(int)
    pixels = {tuple(int(v) for v in p) for p in np.unique(rgb, axis=0)}
    orange = np.abs(rgb - [0xDD, 0x84, 0x52]).max(axis=1) < 40  # the best-so-far line (the image is scaled)
    assert orange.sum() > 100
    assert ((rgb[:, 0] > 180) & (rgb[:, 1] < 60) & (rgb[:, 2] < 60)).sum() >= 4  # early-stop marks
    assert (0xEE, 0xEE, 0xFF) in pixels  # the trial table's header
    assert (0xFF, 0xF3, 0xC4) in pixels  # the best trial's row
    assert len(pixels) > 500  # a rendered page, not a blank one
    # the table sorts in the browser: #sort=3 clicks the "loss (last)" header once (ascending)
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run",
                          f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri() + "#sort=3"],
                         capture_output=True, text=True, timeout=120, check=False).stdout
    body = dom[dom.index("<tbody>"):]
    shown = [float(v) for v in re.findall(r"<tr[^>]*>(?:<td[^>]*>[^<]*</td>){3}<td class=\"\" data-v=\"([^\"]+)\"", body)]
    assert len(shown) == 10 and shown == sorted(shown)
