"""Printing results: aligned tables for people, JSON for scripts."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import click

from pipeline.commands.progress import progress_reporter


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def print_table(rows: Iterable[dict[str, Any]], columns: Sequence[tuple[str, str]], max_width: int = 48) -> None:
    """columns: (key, heading). Long cells are cut with an ellipsis."""
    rows = list(rows)
    if not rows:
        click.echo("(none)")
        return
    cells = [[_cell(row.get(key), max_width) for key, _ in columns] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, (_, h) in enumerate(columns)]
    click.echo("  ".join(h.ljust(w) for (_, h), w in zip(columns, widths)).rstrip())
    click.echo("  ".join("-" * w for w in widths))
    for line in cells:
        click.echo("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip())


def human_time(stamp: str | None, zone: str | None = None) -> str:
    """An ISO time for a person: '2026-12-06T09:14:03.52+00:00' -> '6 Dec 2026 09:14' (in `zone` when given).

    A date alone becomes '6 Dec 2026'; text that is not an ISO time is returned as it is.
    """
    if not stamp:
        return ""
    try:
        value = dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return str(stamp)
    if len(stamp) == 10:
        return f"{value.day} {value:%b %Y}"
    if zone and value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(zone))
    return f"{value.day} {value:%b %Y %H:%M}"


def _cell(value: Any, max_width: int) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


def progress_callback(label: str):  # type: ignore[no-untyped-def]
    """A factory for library progress hooks: a bar on a terminal, a line every few seconds off one
    (pipeline/commands/progress.py)."""
    return progress_reporter(label)
