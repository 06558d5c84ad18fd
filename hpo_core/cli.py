"""The `asktell` command: `asktell report <experiment folder> -o report.html`, `asktell ls <storage folder>`,
`asktell dashboard <folder> [--port P]`."""
from __future__ import annotations

import argparse
import datetime
import math
import os
import sys
import warnings
from collections.abc import Sequence

from .storage.layout import JOURNAL, default_storage_path
from .storage.loader import JournalDamageWarning, is_experiment, load_experiment


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="asktell", description="Inspect asktell experiment folders.")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="write a self-contained HTML report of one experiment")
    report.add_argument("folder", help="the experiment folder (holds journal.jsonl)")
    report.add_argument("-o", "--output", default="report.html", help="HTML file to write (default: report.html)")
    report.add_argument("--metric", default=None, help="rank by this metric instead of the experiment's")
    report.add_argument("--mode", default=None, choices=["min", "max"])
    board = commands.add_parser("dashboard", help="serve a live web dashboard of an experiment folder (read-only)")
    board.add_argument("folder", help="an experiment folder, or a storage folder of experiments")
    board.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 picks a free one)")
    board.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    listing = commands.add_parser("ls", help="list the experiments in a storage folder")
    listing.add_argument("folder", nargs="?", default=None, help=f"default: {default_storage_path()}")
    args = parser.parse_args(argv)
    if args.command == "report":
        return _report(args)
    if args.command == "dashboard":
        return _dashboard(args)
    return _ls(args.folder or default_storage_path())


def _report(args: argparse.Namespace) -> int:
    from .htmlreport import write_report

    if not is_experiment(args.folder):
        print(f"asktell: {args.folder} is not an experiment folder (no journal.jsonl)", file=sys.stderr)
        return 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", JournalDamageWarning)
        path = write_report(args.folder, args.output, metric=args.metric, mode=args.mode)
    for warning in caught:
        if issubclass(warning.category, JournalDamageWarning):
            print(f"asktell: warning: {warning.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    print(f"wrote {path}")
    return 0


def _dashboard(args: argparse.Namespace) -> int:
    from .dashboard.server import DashboardServer

    try:
        server = DashboardServer(args.folder, host=args.host, port=args.port)
    except (OSError, ValueError) as error:
        print(f"asktell: cannot serve {args.folder}: {error}", file=sys.stderr)
        return 2
    print(f"asktell dashboard: {server.url} (Ctrl-C stops it)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _ls(root: str) -> int:
    if not os.path.isdir(root):
        print(f"asktell: {root} is not a folder", file=sys.stderr)
        return 2
    rows = [("EXPERIMENT", "STATE", "TRIALS", "FINISHED", "ERRORS", "BEST", "FRONT", "HYPERVOLUME", "LAST UPDATE")]
    notes = []
    for name in sorted(os.listdir(root)):
        folder = os.path.join(root, name)
        if not is_experiment(folder):
            continue
        try:
            loaded = load_experiment(folder, warn=False)
        except (OSError, ValueError) as error:
            rows.append((name, "UNREADABLE", "", "", "", str(error)[:40], "", "", ""))
            notes.append(f"{name}: {error}")
            continue
        if loaded.problems:
            notes.append(f"{name}: {JOURNAL} has {len(loaded.problems)} damaged line(s), left out: "
                         + "; ".join(loaded.problems[:5]))
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
    for note in notes:
        print(f"warning: {note}")
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
