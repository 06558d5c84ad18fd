"""`ExperimentFeed`: one experiment folder followed for the dashboard. Every refresh reads only the journal bytes
appended since the last one; a version number per change lets a page ask for just the trials that changed.
"""
from __future__ import annotations

import os
import threading
from typing import Any

from ..storage.layout import JOURNAL
from ..storage.loader import JournalFollower, is_experiment
from .view import jsonable, log_params, longest_iteration, trial_summary

MAX_FILE_BYTES = 256 * 1024  # a trial's file is shown up to this size
MAX_RESULTS_SHOWN = 500  # the detail view shows the last results of a trial, in full


class ExperimentFeed:
    """The trials of one experiment folder, with the version at which each last changed.

    ```
    feed = ExperimentFeed("~/hpo_results/demo")
    page = feed.changes(since=0)      # everything; then changes(since=page["version"]) gives only what changed
    ```
    """

    def __init__(self, path: str):
        self.path = os.path.abspath(path)
        self.name = os.path.basename(self.path)
        self._follower = JournalFollower(self.path)
        self._lock = threading.Lock()
        self.version = 0
        self._changed_at: dict[str, int] = {}
        self._longest = 0
        self._reset_at = 0  # the version at which the journal was found replaced: older pages start over

    def refresh(self) -> None:
        """Read what the driver appended since the last refresh (nothing else is read)."""
        with self._lock:
            if os.path.getsize(self._follower.journal) < self._follower.offset:  # a new journal (folder remade)
                self._follower = JournalFollower(self.path)
                self._changed_at.clear()
                self._longest = 0
                self.version += 1
                self._reset_at = self.version
            changed = self._follower.update()
            if not changed:
                return
            self.version += 1
            trials = self._follower.trials
            longest = longest_iteration([trials[t] for t in changed])
            if longest > self._longest:  # a longer trial can turn earlier stops into early stops
                self._longest = longest
                changed |= self._follower.stopped_by_decision
            for trial_id in changed:
                self._changed_at[trial_id] = self.version

    def changes(self, since: int = 0) -> dict[str, Any]:
        """The experiment's summary and every trial that changed after version `since` (all of them for 0)."""
        self.refresh()
        with self._lock:
            if since < self._reset_at:
                since = 0
            if self._follower.header is None:  # the driver has not written its header yet
                return {"version": self.version, "since": since, "name": self.name, "path": self.path, "state": "STARTING",
                        "num_trials": 0, "trials": [], "log_params": []}
            loaded = self._follower.loaded()
            trials = [trial_summary(t, loaded, self._longest) for t in loaded.trials
                      if self._changed_at.get(t.trial_id, 0) > since]
            header = loaded.header
            return {
                "version": self.version, "since": since, "name": self.name, "path": self.path,
                "state": loaded.state.name, "metric": loaded.metric, "mode": loaded.mode,
                "searcher": header.get("searcher"), "scheduler": header.get("scheduler"),
                "started": loaded.started, "last_update": loaded.last_update, "num_trials": len(loaded.trials),
                "problems": loaded.problems[:20], "num_problems": len(loaded.problems),
                "log_params": log_params(loaded) if since == 0 or trials else None, "trials": trials,
            }

    def trial_detail(self, trial_id: str) -> dict[str, Any] | None:
        """Everything about one trial: config, its last results in full, the error's traceback, its files."""
        self.refresh()
        with self._lock:
            trial = self._follower.trials.get(trial_id)
            if trial is None:
                return None
            results = [{k: v for k, v in r.items() if k != "config"} for r in trial.results[-MAX_RESULTS_SHOWN:]]
            return jsonable({
                "id": trial.trial_id, "name": str(trial), "status": trial.status.name, "config": trial.config,
                "results": results, "num_results": len(trial.results), "error": trial.error,
                "num_failures": trial.num_failures, "exploits": trial.exploits,
                "files": self._files(trial.path),
            })

    def trial_file(self, trial_id: str, name: str) -> bytes | None:
        """The bytes of one file in the trial's folder (None unless `name` is a file listed there)."""
        with self._lock:
            trial = self._follower.trials.get(trial_id)
            folder = self._inside(trial.path) if trial is not None else None
        if folder is None or name not in {f["name"] for f in self._files(folder)}:
            return None
        with open(os.path.join(folder, name), "rb") as handle:
            return handle.read(MAX_FILE_BYTES)

    def _files(self, folder: str | None) -> list[dict[str, Any]]:
        folder = self._inside(folder)
        if folder is None or not os.path.isdir(folder):
            return []
        files = []
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False):
                    files.append({"name": entry.name, "size": entry.stat().st_size})
        return sorted(files, key=lambda f: f["name"])

    def _inside(self, folder: str | None) -> str | None:
        """`folder` if it lies inside the experiment folder (a journal's paths are not trusted), else None."""
        if folder is None:
            return None
        real, root = os.path.realpath(folder), os.path.realpath(self.path)
        return real if os.path.commonpath([real, root]) == root and real != root else None


class FolderFeeds:
    """One experiment folder, or a folder of experiment folders: an `ExperimentFeed` per experiment, made when
    it is first asked for."""

    def __init__(self, path: str):
        self.path = os.path.abspath(os.path.expanduser(path))
        self.single = is_experiment(self.path)
        self._feeds: dict[str, ExperimentFeed] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        if self.single:
            return [os.path.basename(self.path)]
        try:
            entries = sorted(os.listdir(self.path))
        except OSError:
            return []
        return [name for name in entries if os.path.isfile(os.path.join(self.path, name, JOURNAL))]

    def feed(self, name: str) -> ExperimentFeed | None:
        if name not in self.names():
            return None
        with self._lock:
            feed = self._feeds.get(name)
            if feed is None:
                folder = self.path if self.single else os.path.join(self.path, name)
                try:
                    feed = self._feeds[name] = ExperimentFeed(folder)
                except ValueError:  # a journal without its header yet
                    return None
            return feed

    def listing(self) -> list[dict[str, Any]]:
        """Every experiment with its state and trial count (read through its feed, so incrementally)."""
        out = []
        for name in self.names():
            feed = self.feed(name)
            if feed is None:
                continue
            summary = feed.changes(since=feed.version)
            out.append({"name": name, "state": summary["state"], "num_trials": summary["num_trials"],
                        "last_update": summary["last_update"]})
        return out
