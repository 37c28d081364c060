"""The JSON report (benchmarks/results/latest.json) and the short table on stdout."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from collections.abc import Iterable
from pathlib import Path

from .common import Result

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def machine() -> dict:
    """Cores and memory of this machine, as the README's table states them."""
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_json(results: Iterable[Result], path: Path, options: dict) -> dict:
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "command": " ".join([Path(sys.executable).name, "-m", "benchmarks", *sys.argv[1:]]),
        "options": options,
        "results": [r.as_dict() for r in results],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return report


def table(results: Iterable[Result]) -> str:
    """One line per result: name, backend, ours, baseline, ratio, target, verdict."""
    rows = [("benchmark", "db", "ours", "baseline", "ratio", "target", "verdict")]
    for r in results:
        verdict = "n/a" if r.met is None else ("ok" if r.met else "MISSED")
        if r.ratio is None:
            verdict = "not measured"
        rows.append(
            (r.name, r.backend, r.ours, r.baseline, "-" if r.ratio is None else f"{r.ratio:g}x", r.target, verdict)
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def notes(results: Iterable[Result]) -> str:
    """Notes and profile summaries of every result that has one (missed targets, missing features)."""
    parts = []
    for r in results:
        if r.note:
            parts.append(f"[{r.name} / {r.backend}] {r.note}")
        if r.profile:
            parts.append(f"[{r.name} / {r.backend}] {r.profile}")
    return "\n\n".join(parts)
