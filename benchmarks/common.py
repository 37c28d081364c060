"""What every benchmark shares: a result row, settings for a run, a timer and a profile summary."""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config import Settings, load_settings


@dataclass
class Result:
    """One line of the report: our number, the baseline's, and their ratio against a target."""

    name: str
    backend: str
    ours: str  # what we measured, in words with units
    baseline: str
    ratio: float | None  # None when it could not be measured
    target: str  # e.g. ">= 0.7"
    met: bool | None
    details: dict[str, Any] = field(default_factory=dict)
    profile: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check(ratio: float, target: str) -> bool:
    """`target` is '>= X' or '<= X'."""
    op, value = target.split()
    return ratio >= float(value) if op == ">=" else ratio <= float(value)


def median_trial(trials: list[dict]) -> tuple[dict, list[float]]:
    """The trial with the median "ratio" (the upper middle one for an even number), and every trial's ratio, sorted."""
    ordered = sorted(trials, key=lambda t: t["ratio"])
    return ordered[len(ordered) // 2], [t["ratio"] for t in ordered]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def profiled(fn: Callable[[], Any], top: int = 18) -> tuple[str, Any]:
    """Run `fn` under cProfile; the top functions by cumulative time, as text."""
    profiler = cProfile.Profile()
    value = profiler.runcall(fn)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("cumulative").print_stats(top)
    lines = out.getvalue().splitlines()
    # Keep the table itself, not pstats' preamble.
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join(line.rstrip() for line in lines[start:] if line.strip()), value


def write_settings(
    folder: Path, db_url: str, mailbox_url: str = "", smtp_url: str = "", rules_dir: str = "", extra: str = ""
) -> tuple[Path, dict[str, str]]:
    """An mln.toml for one run, and the environment that carries its secrets."""
    folder.mkdir(parents=True, exist_ok=True)
    text = f'[database]\nurl = "{db_url}"\n[paths]\noutbox_dir = "{folder}/outbox"\n'
    if rules_dir:
        text += f'rules_dir = "{rules_dir}"\n'
    if mailbox_url:
        text += f'[mailbox]\nurl = "{mailbox_url}"\npassword_env = "BENCH_IMAP_PASSWORD"\n'
    if smtp_url:
        text += f'[smtp]\nurl = "{smtp_url}"\n'
    path = folder / "mln.toml"
    path.write_text(text + extra, encoding="utf-8")
    environ = {"BENCH_IMAP_PASSWORD": "secret", "MLN_TOKEN_SECRET": "benchmark-token-secret-0123456789abcdef"}
    return path, environ


def settings_for(folder: Path, db_url: str, **kwargs: str) -> Settings:
    path, environ = write_settings(folder, db_url, **kwargs)
    return load_settings(path, environ)


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} msg/s ({count} in {seconds:.2f} s)" if seconds else f"{count} in 0 s"
