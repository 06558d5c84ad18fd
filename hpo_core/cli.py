"""The `asktell` command: `asktell report <experiment folder> -o report.html`, `asktell ls <storage folder>`."""
from __future__ import annotations

import argparse
import datetime
import math
import os
import sys
from collections.abc import Sequence

from .storage.layout import default_storage_path
from .storage.loader import is_experiment, load_experiment


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="asktell", description="Inspect asktell experiment folders.")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="write a self-contained HTML report of one experiment")
    report.add_argument("folder", help="the experiment folder (holds journal.jsonl)")
    report.add_argument("-o", "--output", default="report.html", help="HTML file to write (default: report.html)")
    report.add_argument("--metric", default=None, help="rank by this metric instead of the experiment's")
    report.add_argument("--mode", default=None, choices=["min", "max"])
    listing = commands.add_parser("ls", help="list the experiments in a storage folder")
    listing.add_argument("folder", nargs="?", default=None, help=f"default: {default_storage_path()}")
    args = parser.parse_args(argv)
    if args.command == "report":
        return _report(args)
    return _ls(args.folder or default_storage_path())


def _report(args: argparse.Namespace) -> int:
    from .htmlreport import write_report

    if not is_experiment(args.folder):
        print(f"asktell: {args.folder} is not an experiment folder (no journal.jsonl)", file=sys.stderr)
        return 2
    path = write_report(args.folder, args.output, metric=args.metric, mode=args.mode)
    print(f"wrote {path}")
    return 0


def _ls(root: str) -> int:
    if not os.path.isdir(root):
        print(f"asktell: {root} is not a folder", file=sys.stderr)
        return 2
    rows = [("EXPERIMENT", "STATE", "TRIALS", "FINISHED", "ERRORS", "BEST", "FRONT", "HYPERVOLUME", "LAST UPDATE")]
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if not is_experiment(folder):
            continue
        try:
            loaded = load_experiment(folder)
        except (OSError, ValueError) as error:
            rows.append((name, "UNREADABLE", "", "", "", str(error)[:40], "", "", ""))
            continue
        finished = sum(t.status.is_finished for t in loaded.trials)
        errors = sum(t.status.name == "ERROR" for t in loaded.trials)
        rows.append((name, loaded.state.name, str(len(loaded.trials)), str(finished), str(errors),
                     _best(loaded), *_front(loaded), _when(loaded.last_update)))
    if len(rows) == 1:
        print(f"no experiments in {root}")
        return 0
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def _front(loaded) -> tuple[str, str]:
    """Several objectives: the Pareto front's size and its hypervolume (reference: the worst values seen plus a
    tenth of their range); one objective: dashes."""
    from .analysis import ExperimentAnalysis

    metrics, modes = loaded.header.get("metrics") or [], loaded.header.get("modes") or []
    if len(metrics) < 2 or len(modes) != len(metrics):
        return "-", "-"
    analysis = ExperimentAnalysis(loaded.trials, default_metric=metrics, default_mode=modes)
    return str(len(analysis.best_trials)), f"{analysis.hypervolume():.6g}"


def _best(loaded) -> str:
    metric, mode = loaded.metric, loaded.mode
    if len(loaded.header.get("metrics") or []) > 1:
        return "-"  # several objectives: see FRONT and HYPERVOLUME
    if not metric or not mode:
        return "-"
    values = [t.results[-1][metric] for t in loaded.trials if t.results and isinstance(t.results[-1].get(metric),
                                                                                      (int, float))]
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return "-"
    return f"{metric}={(max if mode == 'max' else min)(values):.6g}"


def _when(stamp: float | None) -> str:
    return "-" if stamp is None else datetime.datetime.fromtimestamp(stamp).strftime("%Y-%m-%d %H:%M:%S")


if __name__ == "__main__":
    sys.exit(main())
