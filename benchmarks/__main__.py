"""`python -m benchmarks <suite> [--seeds N --budget B --workers W --out DIR]`.

Suites: searchers, schedulers, parallel, overhead, multiobjective, multifidelity, or `all`. Each writes `<suite>.csv` (best-so-far traces),
`<suite>_summary.csv`, `<suite>.json`, `<suite>.md` (a Markdown table) and PNG plots into DIR.
`python -m benchmarks all --out docs/benchmarks` regenerates the published results.
"""
from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .suites import SUITES, Options, get_suite


def _ints(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected integers >= 1, got {text!r}")
    return values


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    p.add_argument("suite", choices=[*SUITES, "all"])
    p.add_argument("--seeds", type=_positive, default=5, help="repetitions with seeds 0..N-1 (default 5)")
    p.add_argument("--budget", type=_positive, default=None,
                   help="evaluations per run (searchers, parallel) or trials per run (schedulers)")
    p.add_argument("--workers", type=_ints, default=None, help="simulated workers, e.g. 32 or 1,4,16")
    p.add_argument("--out", type=Path, default=Path("benchmark-results"), help="output folder")
    p.add_argument("--problems", type=_names, default=None, help="comma-separated problem names")
    p.add_argument("--methods", type=_names, default=None, help="comma-separated method names")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread per model fit: steadier timings, no oversubscription
    args.out.mkdir(parents=True, exist_ok=True)
    suites = SUITES if args.suite == "all" else (args.suite,)
    for suite in suites:
        options = Options(seeds=args.seeds, budget=args.budget, workers=args.workers, out=args.out,
                          problems=args.problems, methods=args.methods, progress=not args.no_progress)
        written = get_suite(suite)(options)
        markdown = Path(written["markdown"]).read_text()
        print(markdown)
        print(f"[{suite}] wrote: " + ", ".join(sorted(str(p) for p in written.values())), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
