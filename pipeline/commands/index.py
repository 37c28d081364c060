"""mln index export: the Information Index of positive practice, as CSV, XLSX or HTML."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.context import AppContext
from pipeline.errors import InvalidInput
from pipeline.index_export import EXPORT_FORMATS, export_index, progress_filter


def register(cli: click.Group) -> None:
    cli.add_command(index)


@click.group()
def index() -> None:
    """The Information Index of positive practice: every approved item, by theme.

    \b
    Example:
      mln index export --format xlsx -o information-index.xlsx
    """


@index.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(EXPORT_FORMATS), help="csv, xlsx or html (default: from the -o extension)."
)
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Where to write it."
)
@click.option("--theme", metavar="N|NAME", help="Only this key theme.")
@click.option("--status", metavar="STATUS", help="Only items Planned, Being implemented or Implemented.")
@click.pass_obj
def index_export(app: AppContext, fmt: str | None, output: Path, theme: str | None, status: str | None) -> None:
    """Write the Information Index: File No, title, theme, location, lead contact, dates, status, link.

    Each item appears once, as its latest approved revision, grouped by theme.

    \b
    Examples:
      mln index export --format csv -o index.csv
      mln index export -o index.html --theme 6 --status implemented
    """
    from pipeline.review.queue import resolve_theme

    chosen = fmt or output.suffix.lstrip(".").lower()
    if chosen not in EXPORT_FORMATS:
        raise InvalidInput(f"cannot tell the format from {output.name!r}; add --format csv, xlsx or html")
    theme_number = resolve_theme(app.settings, theme) if theme else None
    count = export_index(app.settings, chosen, output, theme_number, progress_filter(status))
    click.echo(f"wrote {count} item(s) to {output} ({chosen})")
