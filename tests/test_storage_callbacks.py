"""Callbacks (order, arguments, failures), loggers, pretty_print and the progress output."""
from __future__ import annotations

import csv
import io
import json
import os
import sys

import pytest

import hpo_core
from hpo_core import Callback, SerialExecutor, TrialStatus, report, uniform
from hpo_core.loggers import pretty_print
from hpo_core.progress import ProgressReporter
from hpo_core.storage.journal import read_records


def _trainable(config):
    for step in range(1, 4):
        report({"score": config["w"] * step, "nested": {"m": step}}, checkpoint={"step": step} if step == 2 else None)
    if config["w"] > 0.8:
        raise ValueError("too heavy")


class Log(Callback):
    def __init__(self):
        self.events = []

    def setup(self, **info):
        self.events.append(("setup", info["total_num_samples"]))

    def on_trial_start(self, iteration, trials, trial, **info):
        self.events.append(("start", str(trial), len(trials)))

    def on_trial_result(self, iteration, trials, trial, result, **info):
        assert trial in trials and result is trial.last_result
        self.events.append(("result", str(trial), result["training_iteration"], result["score"], iteration))

    def on_checkpoint(self, iteration, trials, trial, checkpoint, **info):
        self.events.append(("checkpoint", str(trial), checkpoint["step"]))

    def on_trial_complete(self, iteration, trials, trial, **info):
        self.events.append(("complete", str(trial), trial.status.name))

    def on_trial_error(self, iteration, trials, trial, **info):
        self.events.append(("error", str(trial), "too heavy" in trial.error))

    def on_experiment_end(self, trials, **info):
        self.events.append(("end", len(trials)))


class Raises(Callback):
    def on_trial_result(self, iteration, trials, trial, result, **info):
        raise RuntimeError("callback bug")

    on_trial_start = on_trial_complete = on_experiment_end = on_trial_result


def _run(tmp_path, callbacks, verbose=0, **kwargs):
    return hpo_core.run(_trainable, {"w": uniform(0, 1)}, num_samples=5, metric="score", mode="max", seed=11,
                        executor=SerialExecutor(), storage_path=tmp_path, name="e", callbacks=callbacks,
                        raise_on_failed_trial=False, verbose=verbose, **kwargs)


def test_callback_order_and_arguments(tmp_path):
    log = Log()
    analysis = _run(tmp_path, [log])
    expected = [("setup", 5)]
    for number, trial in enumerate(sorted(analysis.trials, key=lambda t: t.trial_id)):
        expected.append(("start", str(trial), number + 1))
        for result in trial.results:
            expected.append(("result", str(trial), result["training_iteration"], result["score"]))
            if result["training_iteration"] == 2:
                expected.append(("checkpoint", str(trial), 2))
        expected.append(("error", str(trial), True) if trial.status is TrialStatus.ERROR
                        else ("complete", str(trial), "TERMINATED"))
    expected.append(("end", 5))
    assert [e[:4] if e[0] == "result" else e for e in log.events] == expected
    iterations = [e[4] for e in log.events if e[0] == "result"]
    assert iterations == sorted(iterations) and len(set(iterations)) == len(iterations)
    assert str(analysis.trials[0]) == f"_trainable_{analysis.trials[0].trial_id}"


def test_a_raising_callback_neither_stops_the_others_nor_corrupts_the_journal(tmp_path, caplog):
    clean = Log()
    reference = _run(tmp_path / "a", [clean])
    log = Log()
    analysis = _run(tmp_path / "b", [Raises(), log, Raises()])
    assert log.events == clean.events
    assert "callback bug" in caplog.text and "Traceback" in caplog.text
    for folder in ("a", "b"):  # both journals hold the same records apart from times
        records = list(read_records(str(tmp_path / folder / "e" / "journal.jsonl")))
        assert records[-1]["ev"] == "end"
    strip = [(r["ev"], r.get("id"), r.get("st")) for r in read_records(str(tmp_path / "b" / "e" / "journal.jsonl"))]
    assert strip == [(r["ev"], r.get("id"), r.get("st"))
                     for r in read_records(str(tmp_path / "a" / "e" / "journal.jsonl"))]
    assert [t.last_result["score"] for t in analysis.trials] == [t.last_result["score"] for t in reference.trials]


def test_loggers_write_json_csv_params_and_tensorboard(tmp_path):
    analysis = _run(tmp_path, [])
    for trial in analysis.trials:
        files = set(os.listdir(trial.path))
        assert {"params.json", "result.json", "progress.csv"} <= files
        with open(os.path.join(trial.path, "result.json")) as handle:
            lines = [json.loads(line) for line in handle]
        assert [r["score"] for r in lines] == [r["score"] for r in trial.results]
        with open(os.path.join(trial.path, "progress.csv"), newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [float(r["score"]) for r in rows] == [r["score"] for r in trial.results]
        assert [r["nested/m"] for r in rows] == ["1", "2", "3"][: len(rows)]
        with open(os.path.join(trial.path, "params.json")) as handle:
            assert json.load(handle) == trial.config
        assert ("error.txt" in files) == (trial.status is TrialStatus.ERROR)
        if any(f.startswith("checkpoint_") for f in files):
            assert [f for f in files if f.startswith("checkpoint_")] == ["checkpoint_000002.pkl"]
        pytest.importorskip("tensorboardX")
        events = [f for f in files if f.startswith("events.out.tfevents")]
        assert len(events) == 1
        assert _scalars(os.path.join(trial.path, events[0]), "asktell/score") == \
            [(r["training_iteration"], pytest.approx(r["score"], rel=1e-6)) for r in trial.results]


def _scalars(path, tag):
    """(step, value) of `tag` read back from a TFRecord event file."""
    import struct

    from hpo_core.loggers.tbx import _tbx

    event_class = _tbx()[0]
    with open(path, "rb") as handle:
        data = handle.read()
    out, at = [], 0
    while at < len(data):
        (size,) = struct.unpack("<Q", data[at:at + 8])
        event = event_class.FromString(data[at + 12:at + 12 + size])
        out += [(event.step, v.simple_value) for v in event.summary.value if v.tag == tag]
        at += 12 + size + 4
    return out


def test_pretty_print_is_yaml_like():
    text = pretty_print({"score": 1.5, "trial_id": "85955_00000", "done": True, "more_metrics": {},
                         "nested": {"b": 2, "a": None, "c": float("nan")}, "config": {"w": 1}, "step": 29,
                         "name": "it's"})
    assert text.splitlines() == ["done: true", "more_metrics: {}", "name: 'it''s'", "nested:", "  a: null", "  b: 2",
                                 "  c: .nan", "score: 1.5", "step: 29", "trial_id: '85955_00000'"]


def test_non_tty_output_has_no_escape_codes(tmp_path, capsys):
    _run(tmp_path, [], verbose=2)  # capsys: stdout is not a terminal
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\r" not in out
    lines = out.splitlines()
    assert all(line.startswith("[asktell] ") for line in lines)
    errors = [line for line in lines if line.startswith("[asktell] ERROR ")]  # one line per failed trial
    assert len(errors) + sum(" TERMINATED after " in line for line in lines) == 5
    assert all(line.endswith("error.txt)") for line in errors)
    assert "5/5 trials done" in lines[-2] and lines[-1] == f"[asktell] Result logdir: {tmp_path / 'e'}"


def test_verbose_zero_prints_nothing(tmp_path, capsys):
    _run(tmp_path, [])
    assert capsys.readouterr().out == ""


def test_progress_reporter_stream_and_best():
    stream = io.StringIO()
    reporter = ProgressReporter(verbose=1, stream=stream, metric="loss", mode="min", refresh_s=0.0)
    exp = hpo_core.Experiment({"x": uniform(0, 1)}, metric="loss", mode="min", num_samples=3, seed=0)
    reporter.setup(total_num_samples=3)
    for _ in range(3):
        suggestion = exp.ask()
        trial = exp.trials[suggestion.trial_id]
        reporter.on_trial_start(0, [], trial)
        exp.tell(suggestion.trial_id, {"loss": suggestion.config["x"]})
        reporter.on_trial_result(0, [], trial, trial.last_result)
        exp.complete(suggestion.trial_id)
        reporter.on_trial_complete(0, [], trial)
    reporter.on_experiment_end([])
    best = min(t.last_result["loss"] for t in exp.trials.values())
    assert f"best last loss={best:.6g}" in stream.getvalue().splitlines()[-1]
    assert "3/3 trials done" in stream.getvalue()


@pytest.mark.slow
def test_tty_output_uses_a_live_display(tmp_path):
    pytest.importorskip("rich")
    code = (
        "import hpo_core\n"
        "from hpo_core import SerialExecutor, uniform\n"
        f"hpo_core.run(lambda c: {{'s': c['w']}}, {{'w': uniform(0, 1)}}, num_samples=3, metric='s', mode='min',"
        f" executor=SerialExecutor(), storage_path={str(tmp_path)!r}, name='t', verbose=1)\n"
    )
    import pty

    out = bytearray()

    def read(fd):
        data = os.read(fd, 1024)
        out.extend(data)
        return data

    env = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
           "ASKTELL_JOURNAL_FSYNC": "0", "TERM": "xterm"}
    old = dict(os.environ)
    os.environ.update(env)
    try:
        status = pty.spawn([sys.executable, "-c", code], read)
    finally:
        os.environ.clear()
        os.environ.update(old)
    assert os.waitstatus_to_exitcode(status) == 0
    assert b"\x1b[" in out and b"3/3 trials done" in out
    assert b"[asktell] 3/3 trials done" not in out  # the live display's last frame is the summary: not printed twice
