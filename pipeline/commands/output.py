"""Printing results: aligned tables for people, JSON for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import click


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


def _cell(value: Any, max_width: int) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= max_width else text[: max_width - 1] + "…"


def progress_callback(label: str):  # type: ignore[no-untyped-def]
    """A factory for library progress hooks: shows a bar only on a terminal."""
    bars = []

    def start(total: int):  # type: ignore[no-untyped-def]
        if not sys.stderr.isatty() or total < 2:
            return None
        bar = click.progressbar(length=total, label=label, file=sys.stderr)
        bar.__enter__()
        bars.append(bar)
        return bar.update

    def close() -> None:
        for bar in bars:
            bar.__exit__(None, None, None)

    return start, close
