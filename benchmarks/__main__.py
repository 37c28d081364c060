"""Run the benchmarks against real servers: `python -m benchmarks [--quick] [--only ingest idle ...]`.

Each benchmark reports a ratio against a raw baseline measured in the same run
on the same data. Writes benchmarks/results/latest.json and prints a table.

    .venv/bin/python -m benchmarks                      # full sizes (several minutes)
    .venv/bin/python -m benchmarks --quick              # small sizes (a minute or so)
    .venv/bin/python -m benchmarks --only ingest --ingest-messages 500 --backends sqlite
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
from pathlib import Path

from .report import RESULTS_DIR, notes, table, write_json
from .runner import BENCHMARKS, Sizes, run_all

FULL = Sizes()
QUICK = Sizes(
    ingest_messages=100,
    ingest_repeats=1,
    profile_messages=50,
    idle_small=50,
    idle_big=500,
    idle_repeats=5,
    send_subscribers=300,
    send_repeats=1,
    send_profile_subscribers=50,
    memory_small=100,
    memory_big=1000,
    queue_submissions=2000,
    queue_repeats=3,
    site_items=2000,
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n", 2)[2],
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, for a quick check")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS), help="which benchmarks")
    parser.add_argument(
        "--backends",
        nargs="+",
        choices=("sqlite", "postgresql"),
        default=["sqlite", "postgresql"],
        help="databases for ingest, send and queue (idle poll uses the first)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.json", help="the JSON report")
    parser.add_argument(
        "--workdir", type=Path, help="where databases and outboxes go, kept afterwards (default: a temp dir, removed)"
    )
    for name, default in vars(FULL).items():
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=int,
            default=None,
            metavar="N",
            help=f"(default {default}; --quick {getattr(QUICK, name)})",
        )
    return parser.parse_args(argv)


def sizes_from(args: argparse.Namespace) -> Sizes:
    base = QUICK if args.quick else FULL
    chosen = {
        name: getattr(args, name) if getattr(args, name) is not None else value for name, value in vars(base).items()
    }
    return Sizes(**chosen)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("pipeline").setLevel(logging.ERROR)  # one log line per message would swamp the table
    sizes = sizes_from(args)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="mln-bench-"))
    try:
        results = run_all(
            args.only, args.backends, sizes, workdir, progress=lambda text: print(text, file=sys.stderr, flush=True)
        )
    finally:
        if args.workdir is None:  # a full run leaves gigabytes of outbox and databases: keep them only when asked
            shutil.rmtree(workdir, ignore_errors=True)
    write_json(
        results, args.output, {"sizes": vars(sizes), "only": args.only, "backends": args.backends, "quick": args.quick}
    )
    print(table(results))
    extra = notes(results)
    if extra:
        print()
        print(extra)
    print(f"\nReport: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
