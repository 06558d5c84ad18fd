"""The journal: replay restores searcher and scheduler state, torn lines, safe folder names, live loading."""
from __future__ import annotations

import json
import os

import pytest

import hpo_core
from hpo_core import Callback, ExperimentAnalysis, SerialExecutor, TrialStatus, choice, report, uniform
from hpo_core.storage import load_experiment, safe_name, trial_dirname
from hpo_core.storage.journal import Journal, read_records

SPACE = {"a": uniform(0, 1), "b": choice(["x", "y", "z"])}


def _trainable(config):
    for step in range(1, 5):
        report({"loss": config["a"] * step + (config["b"] == "y")}, checkpoint={"step": step})


class Interrupt(Callback):
    """Stops the driver like Ctrl-C after `after` completed trials."""

    def __init__(self, after):
        self.after, self.done = after, 0

    def on_trial_complete(self, iteration, trials, trial, **info):
        self.done += 1
        if self.done == self.after:
            raise KeyboardInterrupt


def _run(tmp_path, name, **kwargs):
    return hpo_core.run(_trainable, SPACE, num_samples=9, metric="loss", mode="min", executor=SerialExecutor(),
                        storage_path=tmp_path, name=name, verbose=0, seed=3,
                        stop=lambda trial_id, result: result["loss"] > 2.5, **kwargs)


def _rows(analysis):
    return [(t.trial_id, t.config, t.status, [r["loss"] for r in t.results])
            for t in sorted(analysis.trials, key=lambda t: t.trial_id)]


def test_replay_continues_the_config_sequence(tmp_path):
    reference = _rows(_run(tmp_path, "ref"))
    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, "cut", callbacks=[Interrupt(4)])
    partial = load_experiment(tmp_path / "cut")
    assert 4 <= len(partial.trials) < 9
    assert partial.state.name == "INTERRUPTED"
    resumed = _run(tmp_path, "cut", resume=True)
    assert _rows(resumed) == reference
    assert _rows(ExperimentAnalysis(str(tmp_path / "cut"))) == reference
    # a second resume of a finished experiment runs nothing and changes nothing
    lines = len(list(read_records(str(tmp_path / "cut" / "journal.jsonl"))))
    assert _rows(_run(tmp_path, "cut", resume="AUTO")) == reference
    records = list(read_records(str(tmp_path / "cut" / "journal.jsonl")))
    assert [r["ev"] for r in records[lines:]] == ["resume", "end"]
    assert records[lines - 1]["ev"] == "end"


def test_errored_trials_rerun_only_with_resume_errored(tmp_path):
    flag = tmp_path / "fail"
    flag.write_text("1")

    def flaky(config):
        report(loss=config["a"])
        if flag.exists() and config["a"] > 0.5:
            raise RuntimeError("flaky")
        report(loss=config["a"] / 2)

    def go(**kwargs):
        return hpo_core.run(flaky, {"a": uniform(0, 1)}, num_samples=6, metric="loss", mode="min", seed=5,
                            executor=SerialExecutor(), storage_path=tmp_path, name="e", verbose=0,
                            raise_on_failed_trial=False, **kwargs)

    first = go()
    failed = {t.trial_id for t in first.trials if t.status is TrialStatus.ERROR}
    assert failed and os.path.exists(os.path.join(first.trials[int(min(failed))].path, "error.txt"))
    assert {t.trial_id for t in go(resume=True).trials if t.status is TrialStatus.ERROR} == failed
    flag.unlink()
    again = go(resume="ERRORED")
    assert all(t.status is TrialStatus.TERMINATED for t in again.trials)
    assert len(again.trials) == 6
    for trial in again.trials:  # the rerun kept its journaled results and added the missing one
        assert [r["training_iteration"] for r in trial.results] == [1, 2]


def test_torn_last_line_is_skipped_by_readers_and_cut_by_writers(tmp_path):
    path = str(tmp_path / "journal.jsonl")
    journal = Journal(path, fsync=False)
    journal.write({"ev": "header", "seed": {}})
    journal.write({"ev": "ask", "id": "00000", "cfg": {}})
    journal.close()
    with open(path, "ab") as handle:
        handle.write(b'{"ev": "tell", "id": "000')
    assert [r["ev"] for r in read_records(path)] == ["header", "ask"]
    journal = Journal(path, fsync=False)
    journal.write({"ev": "done", "id": "00000"})
    journal.close()
    assert [r["ev"] for r in read_records(path)] == ["header", "ask", "done"]
    with open(path, "rb") as handle:
        assert all(json.loads(line) for line in handle.read().splitlines())


HOSTILE = ["../../x", "/", "..", ".", "a/b\\c", "x" * 10_000, "日本語 ünïcödé 🎉", "nul\x00byte", "\n\r\t",
           "~", "-rf", "C:\\Windows", "con", ""]


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_config_values_give_safe_folder_names(tmp_path, value):
    name = trial_dirname("train_00003", {"path": value, "nested": {"v": value}})
    assert name.startswith("train_00003")
    assert "/" not in name and "\\" not in name and ".." not in name and not name.startswith(".")
    assert len(name) <= 96 and all(ch.isprintable() and ord(ch) < 128 for ch in name)
    assert safe_name(value) and ".." not in safe_name(value)


def test_hostile_configs_in_a_run_stay_inside_the_experiment_folder(tmp_path):
    values = HOSTILE[:9]

    def two_results(config):  # a curve: the trial gets its folder
        for _ in range(2):
            hpo_core.report({"loss": len(config["s"])})

    analysis = hpo_core.run(two_results, {"s": choice(values)}, num_samples=12,
                            metric="loss", mode="min", executor=SerialExecutor(), storage_path=tmp_path,
                            name="hostile", verbose=0, seed=0)
    root = os.path.realpath(tmp_path / "hostile")
    folders = [t.path for t in analysis.trials]
    assert len(set(folders)) == 12  # unique
    for folder in folders:
        assert os.path.dirname(os.path.realpath(folder)) == root and os.path.isdir(folder)
        with open(os.path.join(folder, "params.json"), encoding="utf-8") as handle:
            assert json.load(handle)["s"] in values
    assert sorted(os.listdir(tmp_path)) == ["hostile"]
    loaded = ExperimentAnalysis(str(tmp_path / "hostile"))
    assert sorted(t.config["s"] for t in loaded.trials) == sorted(t.config["s"] for t in analysis.trials)


def test_analysis_loads_a_running_experiment(tmp_path):
    seen = []

    class Peek(Callback):
        def on_trial_result(self, iteration, trials, trial, result, **info):
            loaded = ExperimentAnalysis(os.path.dirname(trial.path))
            mine = next(t for t in loaded.trials if t.trial_id == trial.trial_id)
            seen.append((len(loaded.trials), mine.results[-1]["loss"] == result["loss"],
                         load_experiment(os.path.dirname(trial.path)).state.name))

    _run(tmp_path, "live", callbacks=[Peek()])
    assert seen and all(same for _, same, _ in seen)
    assert [n for n, _, _ in seen] == sorted(n for n, _, _ in seen) and seen[-1][0] == 9
    assert {state for _, _, state in seen} == {"RUNNING"}
    assert load_experiment(tmp_path / "live").state.name == "FINISHED"


def test_name_must_be_one_folder(tmp_path):
    from hpo_core.errors import AsktellValueError

    for bad in ("../up", "a/b", ".."):
        with pytest.raises(AsktellValueError, match="name"):
            hpo_core.run(_trainable, SPACE, storage_path=tmp_path, name=bad, executor=SerialExecutor(), verbose=0)
    with pytest.raises(AsktellValueError, match="resume"):
        hpo_core.run(_trainable, SPACE, storage_path=tmp_path, name="x", resume="sometimes",
                     executor=SerialExecutor(), verbose=0)


def _population_member(config):
    state = hpo_core.get_checkpoint() or {"step": 0, "score": 0.0}
    while state["step"] < 12:
        state = {"step": state["step"] + 1, "score": state["score"] + config["lr"]}
        report({"score": state["score"]}, checkpoint=state)


def test_pbt_exploits_are_read_back_from_the_folder(tmp_path):
    from hpo_core.schedulers import PopulationBasedTraining

    pbt = PopulationBasedTraining(time_attr="training_iteration", perturbation_interval=3,
                                  hyperparam_mutations={"lr": [0.1, 0.5, 1.0, 2.0]})
    done = hpo_core.run(_population_member, {"lr": hpo_core.grid_search([0.1, 0.5, 1.0, 2.0])}, metric="score",
                        mode="max", scheduler=pbt, executor=SerialExecutor(), storage_path=tmp_path, name="pbt",
                        verbose=0, seed=2)
    exploits = {t.trial_id: t.exploits for t in done.trials}
    assert any(exploits.values())
    loaded = ExperimentAnalysis(str(tmp_path / "pbt"))
    assert {t.trial_id: t.exploits for t in loaded.trials} == exploits


class StatusesOnDisk(Callback):
    """At every result, the statuses read back from the folder next to the live ones."""

    def __init__(self, folder):
        self.folder, self.seen = folder, []

    def on_trial_result(self, iteration, trials, trial, result, **info):
        on_disk = {t.trial_id: t.status for t in load_experiment(self.folder).trials}
        self.seen.append((on_disk, {t.trial_id: t.status for t in trials}))

    def on_experiment_end(self, trials, **info):
        self.on_trial_result(None, trials, None, None)


class StopAllAfter(hpo_core.Stopper):
    """Ends the whole experiment after `results` results (paused trials end with it, all in one record)."""

    def __init__(self, results):
        self.left = results

    def __call__(self, trial_id, result):
        self.left -= 1
        return False

    def stop_all(self):
        return self.left <= 0


def test_statuses_read_from_the_folder_follow_pauses_and_stops_of_hyperband(tmp_path):
    from hpo_core.schedulers import HyperBandScheduler

    watcher = StatusesOnDisk(tmp_path / "hb")
    hpo_core.run(_trainable, SPACE, num_samples=9, metric="loss", mode="min", executor=SerialExecutor(),
                 scheduler=HyperBandScheduler(time_attr="training_iteration", max_t=4, reduction_factor=2),
                 stop=StopAllAfter(17), storage_path=tmp_path, name="hb", verbose=0, seed=3, callbacks=[watcher])
    statuses = {s for _, live in watcher.seen for s in live.values()}
    assert {TrialStatus.PAUSED, TrialStatus.TERMINATED} <= statuses
    changes = [r["st"] for r in read_records(str(tmp_path / "hb" / "journal.jsonl")) if "st" in r]
    assert max(len(c) for c in changes) >= 2  # one call ended several trials
    for on_disk, live in watcher.seen:
        assert on_disk == live
