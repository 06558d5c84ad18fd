"""Failures where the user looks (issue 12): the failure line, TrialsFailedError, tracebacks in the user's file,
run warnings, Ctrl-C, the live "best" against `best_config`, the README example, the end of the output.

Ctrl-C and the failure line run real scripts in subprocesses and read their stdout.
"""
from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from hpo_core import SerialExecutor, TrialStatus, report, run, uniform
from hpo_core.errors import TrialsFailedError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "PYTHONPATH": ROOT, "ASKTELL_JOURNAL_FSYNC": "0"}


def _script(tmp_path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(body)
    return str(path)


# --- one line per failed trial; the error names the user's file --------------------------------------------------
FAILING = '''\
from hpo_core import ProcessExecutor, run, report, uniform

def objective(config):
    report(score=config["w"])
    raise ValueError(f"bad w {config['w']:.3f}")

run(objective, {"w": uniform(0, 1)}, num_samples=4, metric="score", mode="min", seed=0,
    storage_path=STORAGE, name="failing", executor=ProcessExecutor(max_workers=2))
'''


def test_each_failed_trial_prints_one_line_and_the_error_names_the_users_file(tmp_path):
    script = _script(tmp_path, "failing.py", f"STORAGE = {str(tmp_path)!r}\n" + FAILING)
    out = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=300, env=ENV, check=False)
    assert out.returncode == 1
    lines = [line for line in out.stdout.splitlines() if line.startswith("[asktell] ERROR ")]
    assert len(lines) == 4, out.stdout
    for line in lines:
        match = re.fullmatch(r"\[asktell\] ERROR (objective_\d{5}): ValueError: bad w [\d.]+ \(traceback: (.+)\)", line)
        assert match, line
        error_file = match.group(2)
        assert error_file.endswith("error.txt") and str(tmp_path) in error_file
        deadline = time.monotonic() + 10
        while not os.path.exists(error_file) and time.monotonic() < deadline:
            time.sleep(0.05)
        with open(error_file) as handle:
            text = handle.read()
        assert f'File "{script}", line 6, in objective' in text  # the user's file and line, with the source
        assert "raise ValueError" in text and "<dynamic-code>" not in text
    # the error at the end: how many, the first one's message, the hint; not a list of every trial
    final = out.stderr.strip().splitlines()[-1]
    assert final.startswith("hpo_core.errors.TrialsFailedError: 4 trial(s) of 4 failed; the first, objective_00000: "
                            "ValueError: bad w")
    assert "raise_on_failed_trial=False" in final and "objective_00003" not in final


def test_trials_failed_error_for_a_metric_typo_names_the_cause():
    def objective(config):
        report(los=config["w"])  # typo: the experiment's metric is "loss"

    with pytest.raises(TrialsFailedError) as info:
        run(objective, {"w": uniform(0, 1)}, num_samples=30, metric="loss", mode="min", seed=0,
            executor=SerialExecutor(), verbose=0)
    message = str(info.value)
    assert message.startswith("30 trial(s) of 30 failed; the first, objective_00000: MissingMetricError: ")
    assert "no metric 'loss'" in message and "'los'" in message and "raise_on_failed_trial=False" in message
    assert len(message) < 600 and "objective_00029" not in message
    assert len(info.value.failed) == 30 and info.value.trials[0].status is TrialStatus.ERROR


# --- warnings, once per run -------------------------------------------------------------------------------------
def test_a_plain_list_in_the_config_is_warned_once(caplog):
    with caplog.at_level(logging.WARNING, logger="asktell"):
        run(lambda config: {"loss": config["lr"][0]},
            {"lr": [0.1, 0.01], "nested": {"layers": [64, 64]}, "w": uniform(0, 1), "ok": [uniform(0, 1)]},
            num_samples=3, metric="loss", mode="min", executor=SerialExecutor(), verbose=0)
    warnings = [r.getMessage() for r in caplog.records if "plain list" in r.getMessage()]
    assert len(warnings) == 1
    assert "config['lr']" in warnings[0] and "config['nested']['layers']" in warnings[0]
    assert "config['ok']" not in warnings[0] and "grid_search" in warnings[0]


def test_a_trial_that_never_reports_the_metric_is_warned_once(caplog):
    def forgets_to_return(config):
        config["w"] * 2  # the bug this warning is for: nothing returned, nothing reported

    with caplog.at_level(logging.WARNING, logger="asktell"):
        run(forgets_to_return, {"w": uniform(0, 1)}, num_samples=3, metric="loss", mode="min",
            executor=SerialExecutor(), verbose=0)
    warnings = [r.getMessage() for r in caplog.records if "without" in r.getMessage()]
    assert len(warnings) == 2, warnings  # the first trial named at once, the count at the end
    assert "forgets_to_return_00000 ended without ever reporting the metric 'loss'" in warnings[0]
    assert warnings[1] == "3 trials ended without reporting the metric 'loss'"


# --- the live "best" and best_config agree; the README example ------------------------------------------------------
def _readme_example() -> str:
    with open(os.path.join(ROOT, "README.md")) as handle:
        text = handle.read()
    section = text.split("## Fifteen lines", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_example_crowns_a_trial_that_ran_its_budget_and_the_live_best_agrees(capsys):
    code = _readme_example()
    assert len(code.strip().splitlines()) <= 16
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own example, as a user runs it
    analysis = namespace["analysis"]
    out = capsys.readouterr().out
    best = analysis.best_trial
    assert best.iteration == 30  # not a trial ASHA stopped early
    assert any(t.iteration < 30 for t in analysis.trials)  # ASHA did stop some
    status = [line for line in out.splitlines() if "trials done" in line][-1]
    assert f"best last loss={best.last_result['loss']:.6g} ({best}:" in status
    assert str(analysis.best_config) in out


def test_live_best_follows_a_best_trial_that_gets_worse():
    import io

    from hpo_core import Experiment
    from hpo_core.progress import ProgressReporter

    stream = io.StringIO()
    reporter = ProgressReporter(verbose=1, stream=stream, metric="loss", mode="min", refresh_s=0.0)
    exp = Experiment({"x": uniform(0, 1)}, metric="loss", mode="min", num_samples=3, seed=0)
    reporter.setup(total_num_samples=3, trials=[])
    trials = [exp.trials[exp.ask().trial_id] for _ in range(3)]
    for trial in trials:
        reporter.on_trial_start(0, trials, trial)
    for trial, value in ((trials[0], 0.1), (trials[1], 0.5), (trials[2], float("nan")), (trials[0], 0.9)):
        exp.tell(trial.trial_id, {"loss": value})
        reporter.on_trial_result(0, trials, trial, trial.last_result)
    reporter.on_experiment_end(trials)
    assert exp.analysis().best_trial is trials[1]
    assert f"best last loss=0.5 ({trials[1]}:" in stream.getvalue().splitlines()[-1]


# --- the end of the output -------------------------------------------------------------------------------------------
def test_plain_output_ends_with_the_final_status_even_when_trials_fail(tmp_path, capsys):
    def sometimes(config):
        if config["w"] > 0.5:
            raise RuntimeError("no")
        return {"loss": config["w"]}

    run(sometimes, {"w": uniform(0, 1)}, num_samples=6, metric="loss", mode="min", seed=3, storage_path=str(tmp_path),
        name="e", executor=SerialExecutor(), raise_on_failed_trial=False)
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == f"[asktell] Result logdir: {tmp_path / 'e'}"
    assert re.match(r"\[asktell\] 6/6 trials done, 0 running, \d failed \|", lines[-2])


def test_optuna_study_creation_line_is_silenced(tmp_path):
    code = ("from hpo_adapters.optuna import OptunaSearch\nfrom hpo_core import SerialExecutor, run, uniform\n"
            "run(lambda c: {'loss': c['x']}, {'x': uniform(0, 1)}, num_samples=2, search_alg=OptunaSearch(seed=0),"
            f" metric='loss', mode='min', executor=SerialExecutor(), storage_path={str(tmp_path)!r}, verbose=0)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=ENV,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert "A new study created" not in out.stdout + out.stderr


# --- Ctrl-C ---------------------------------------------------------------------------------------------------------
INTERRUPTED = '''\
import sys, time
from hpo_core import ProcessExecutor, run, report, uniform

def objective(config):
    for step in range(60):
        time.sleep(0.1)
        report(loss=config["w"] / (step + 1))

analysis = run(objective, {"w": uniform(0, 1)}, num_samples=4, metric="loss", mode="min", seed=0,
               storage_path=STORAGE, name="interrupted", resume=len(sys.argv) > 1,
               executor=ProcessExecutor(max_workers=2))
print("AFTER RUN", sum(t.status == "TERMINATED" for t in analysis.trials), flush=True)
'''


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry))
    return members


@pytest.mark.slow
def test_ctrl_c_prints_one_line_with_the_resume_call_and_leaves_no_process(tmp_path):
    script = _script(tmp_path, "interrupted.py", f"STORAGE = {str(tmp_path)!r}\n" + INTERRUPTED)
    # a new session: the whole group gets the SIGINT, as a terminal's Ctrl-C does
    process = subprocess.Popen([sys.executable, script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=ENV, start_new_session=True)
    lines: list[str] = []
    running = threading.Event()

    def read_stdout():
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if "0/4 trials done, 2 running" in line:
                running.set()

    reader = threading.Thread(target=read_stdout, daemon=True)
    reader.start()
    assert running.wait(240), lines
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=120)
    reader.join(10)  # (the reader owns stdout: communicate() would race it for the last lines)
    stderr = process.stderr.read()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    interrupted = [line for line in lines if "Interrupted" in line]
    folder = str(tmp_path / "interrupted")
    assert len(interrupted) == 1, lines
    assert re.fullmatch(
        rf"\[asktell\] Interrupted \(\d trials finished, kept in the folder\)\. "
        rf"Resume with: run\(objective, \.\.\., name={re.escape(repr(folder))}, resume=True\)", interrupted[0])
    assert any(line.startswith("AFTER RUN") for line in lines), lines
    deadline = time.monotonic() + 10
    while _group_members(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _group_members(process.pid) == []  # no worker, forkserver or tracker left behind
    # the call it printed finishes the experiment
    again = subprocess.run([sys.executable, script, "resume"], capture_output=True, text=True, timeout=300, env=ENV,
                           check=False)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == "AFTER RUN 4"
