"""The live dashboard: incremental reading of a growing journal, the read-only server, and a real run watched in
headless Chromium (trial count and curves grow without a reload; a hostile config value stays text)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request

import pytest

import hpo_core
from hpo_core import SerialExecutor, choice, loguniform, report
from hpo_core.cli import main
from hpo_core.dashboard import DashboardServer, ExperimentFeed
from hpo_core.errors import AsktellTypeError, AsktellValueError
from hpo_core.schedulers import ASHAScheduler
from hpo_core.storage import JournalFollower, load_experiment

HOSTILE = "<script>window.__xss=1</script><img src=x onerror='window.__xss=2'>"


def _curve(config):
    for step in range(1, 9):
        report(loss=config["lr"] * 100 / step + (config["opt"] == "sgd"))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("boards")
    hpo_core.run(_curve, {"lr": loguniform(1e-4, 1e-1), "opt": choice(["sgd", HOSTILE])}, num_samples=12,
                 metric="loss", mode="min", scheduler=ASHAScheduler(max_t=8, grace_period=1), seed=3,
                 executor=SerialExecutor(), storage_path=root, name="asha", verbose=0)
    return root / "asha"


def test_follower_reads_only_the_appended_bytes_and_waits_for_a_whole_line(folder, tmp_path):
    journal = (folder / "journal.jsonl").read_bytes()
    lines = journal.splitlines(keepends=True)
    copy = tmp_path / "copy"
    copy.mkdir()
    target = copy / "journal.jsonl"
    target.write_bytes(b"".join(lines[:5]))
    follower = JournalFollower(copy)
    follower.update()
    assert follower.offset == target.stat().st_size
    seen = {t: len(follower.trials[t].results) for t in follower.trials}
    half = len(lines[5]) // 2
    with open(target, "ab") as handle:
        handle.write(lines[5][:half])  # a record being written: not read yet
    assert follower.update() == set() and follower.offset == len(b"".join(lines[:5]))
    with open(target, "ab") as handle:
        handle.write(lines[5][half:] + b"".join(lines[6:]))
    changed = follower.update()
    assert changed and follower.offset == len(journal)
    # the incremental reader ends where a full read ends
    full = load_experiment(folder)
    assert [(t.trial_id, t.status, len(t.results)) for t in follower.loaded().trials] == \
        [(t.trial_id, t.status, len(t.results)) for t in full.trials]
    assert any(len(follower.trials[t].results) > n for t, n in seen.items()) or len(follower.trials) > len(seen)


def test_feed_sends_only_what_changed_and_labels_early_stops(folder):
    feed = ExperimentFeed(str(folder))
    first = feed.changes(since=0)
    assert first["num_trials"] == 12 and len(first["trials"]) == 12
    assert first["log_params"] == ["lr"]  # recorded from the space: loguniform
    labels = {t["label"] for t in first["trials"]}
    assert "stopped early by AsyncHyperBandScheduler" in labels and "TERMINATED" in labels
    longest = max(t["iteration"] for t in first["trials"])
    for trial in first["trials"]:
        early = trial["label"].startswith("stopped early")
        assert early == (trial["iteration"] < longest), trial
    again = feed.changes(since=first["version"])
    assert again["trials"] == [] and again["version"] == first["version"]
    json.dumps(first, allow_nan=False)  # the browser's JSON.parse takes no NaN


def test_feed_starts_over_when_the_journal_is_replaced(folder, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    feed = ExperimentFeed(str(copy))
    version = feed.changes(since=0)["version"]
    lines = (copy / "journal.jsonl").read_bytes().splitlines(keepends=True)
    (copy / "journal.jsonl").write_bytes(b"".join(lines[:4]))  # a new, shorter journal (the folder was remade)
    page = feed.changes(since=version)
    assert page["since"] == 0 and page["num_trials"] == len(page["trials"]) == len(load_experiment(copy).trials)


@pytest.fixture
def server(folder):
    board = DashboardServer(str(folder.parent), port=0)
    board.start_in_thread()
    yield board
    board.shutdown()
    board.server_close()


def _get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_server_is_read_only_loopback_and_confined_to_the_folder(server, folder):
    status, headers, body = _get(server.url + "api/experiments")
    assert status == 200 and json.loads(body)["experiments"][0]["name"] == "asha"
    assert "default-src 'self'" in headers["Content-Security-Policy"] and headers["X-Content-Type-Options"] == "nosniff"
    assert server.server_address[0] == "127.0.0.1"
    request = urllib.request.Request(server.url + "api/experiments", data=b"{}", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 405
    assert _get(server.url, Host="attacker.example")[0] == 403  # DNS rebinding
    trial = load_experiment(folder).trials[0]
    status, _, body = _get(server.url + f"api/trial?exp=asha&id={trial.trial_id}")
    detail = json.loads(body)
    assert status == 200 and {"params.json", "result.json"} <= {f["name"] for f in detail["files"]}
    assert len(detail["results"]) == len(trial.results)
    status, headers, body = _get(server.url + f"api/file?exp=asha&id={trial.trial_id}&name=params.json")
    assert status == 200 and headers["Content-Type"].startswith("text/plain") and json.loads(body) == trial.config
    for name in ("../journal.jsonl", "/etc/passwd", "..", ""):
        assert _get(server.url + f"api/file?exp=asha&id={trial.trial_id}&name={name}")[0] == 404
    assert _get(server.url + "api/experiment?exp=../asha")[0] == 404
    assert _get(server.url + "../../etc/passwd")[0] == 404


def test_bad_arguments_are_refused_where_they_enter(tmp_path):
    with pytest.raises(AsktellValueError, match="port"):
        DashboardServer(str(tmp_path), port=-1)
    with pytest.raises(AsktellValueError, match="not a folder"):
        DashboardServer(str(tmp_path / "missing"))
    assert main(["dashboard", str(tmp_path / "missing"), "--port", "0"]) == 2
    with pytest.raises(AsktellTypeError, match="dashboard"):
        hpo_core.run(_curve, {"lr": 0.1, "opt": "sgd"}, metric="loss", mode="min", dashboard="yes", verbose=0,
                     executor=SerialExecutor())


def test_tuner_run_config_starts_the_dashboard(tmp_path, capsys):
    from hpo_core.dashboard import launch
    from hpo_core.tune_config import RunConfig, TuneConfig
    from hpo_core.tuner import Tuner

    with pytest.raises(AsktellTypeError, match="dashboard"):
        RunConfig(dashboard=1)
    tuner = Tuner(_curve, param_space={"lr": 0.01, "opt": "sgd"}, tune_config=TuneConfig(metric="loss", mode="min"),
                  run_config=RunConfig(storage_path=str(tmp_path), name="tuned", verbose=0, dashboard=True))
    tuner.executor = SerialExecutor()
    started = len(launch.STARTED)
    tuner.fit()
    board = launch.STARTED[started]
    try:
        assert f"asktell dashboard: {board.url}" in capsys.readouterr().out
        status, _, body = _get(board.url + "api/experiment?exp=tuned&since=0")
        assert status == 200 and json.loads(body)["num_trials"] == 1
    finally:
        board.stop()


LIVE_RUN = textwrap.dedent("""
    import sys, time
    import hpo_core
    from hpo_core import SerialExecutor, choice, loguniform, report

    def slow(config):
        if config["lr"] > 0.01:
            raise RuntimeError("diverged")
        for step in range(1, 6):
            time.sleep(0.12)
            report(loss=config["lr"] * 100 / step)

    hpo_core.run(slow, {"lr": loguniform(1e-4, 1e-1), "opt": choice([%r])}, num_samples=16, metric="loss",
                 mode="min", executor=SerialExecutor(), storage_path=sys.argv[1], name="live", verbose=0, seed=0,
                 dashboard=True, raise_on_failed_trial=False)
    print("run ended", flush=True)
    sys.stdin.readline()  # the dashboard lives as long as this process: until the test closes stdin
""")


@pytest.mark.slow
def test_chromium_watches_a_running_experiment_grow_without_a_reload(tmp_path):
    from chromium_page import ChromiumPage, chromium_binary

    chromium_binary()
    script = tmp_path / "live_run.py"
    script.write_text(LIVE_RUN % HOSTILE)
    driver = subprocess.Popen([sys.executable, str(script), str(tmp_path / "store")], stdout=subprocess.PIPE,
                              stdin=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    page = None
    try:
        line = driver.stdout.readline()
        assert line.startswith("asktell dashboard: http://127.0.0.1:"), line
        url = line.split()[2]
        page = ChromiumPage(url, str(tmp_path / "profile"))
        page.evaluate("window.__sameDocument = 1")  # a reload would forget it
        counts, curves, deadline = [], [], time.monotonic() + 180
        while (not counts or counts[-1] < 16) and time.monotonic() < deadline:
            counts.append(int(page.evaluate("document.getElementById('trial-count').textContent")))
            curves.append(page.evaluate("document.querySelectorAll('#curves path.curve').length"))
            time.sleep(0.3)
        assert page.evaluate("window.__sameDocument") == 1
        assert counts == sorted(counts) and len(set(counts)) >= 3, counts
        assert curves == sorted(curves) and len(set(curves)) >= 3, curves
        # the hostile config value is text in the table and ran nowhere
        page.wait_for("document.querySelectorAll('#trials tbody tr').length > 0")
        cells = page.evaluate("Array.from(document.querySelectorAll('#trials td')).map(td => td.textContent)")
        assert HOSTILE in cells
        assert page.evaluate("window.__xss === undefined && document.querySelectorAll('img').length === 0")
        assert page.evaluate("document.scripts.length") == 2  # charts.js and app.js
        # a failed trial's traceback is in its detail view
        page.wait_for("Array.from(document.querySelectorAll('#trials td')).some(td => td.textContent === 'ERROR')")
        page.evaluate("Array.from(document.querySelectorAll('#trials tbody tr'))"
                      ".find(tr => tr.textContent.includes('ERROR')).click()")
        assert "RuntimeError: diverged" in page.wait_for("document.getElementById('detail-error').textContent")
        page.screenshot(str(tmp_path / "dashboard.png"))
        assert os.path.getsize(tmp_path / "dashboard.png") > 20_000
    finally:
        if page is not None:
            page.close()
        driver.stdin.close()
        driver.wait(timeout=120)
