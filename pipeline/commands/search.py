"""mln search: full text over approved items, best first.

It runs many times a day, so this module imports only what it needs: the search
reads through the driver (pipeline/store/reader.py), without SQLAlchemy (issue #23)."""

from __future__ import annotations

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json
from pipeline.search import search as search_items


def register(cli: click.Group) -> None:
    cli.add_command(search)


@click.command()
@click.argument("query")
@click.option("--limit", default=20, show_default=True, help="At most this many results.")
@click.option(
    "--json", "as_json", is_flag=True, help="JSON list with keys id, file_no, title, theme, locality, score, snippet."
)
@click.pass_obj
def search(app: AppContext, query: str, limit: int, as_json: bool) -> None:
    """Search approved items (title, summary, actions, outcomes, learning, locality, organisation), best first.

    Every word must appear (in any form: "homes" finds "home"), except words
    too common to search for ("the", "of", "in" ...), which are left out, on
    SQLite and PostgreSQL alike. Matches are shown [in brackets] in the snippet.

    \b
    Examples:
      mln search "care home education"
      mln search "falls on the wards"
      mln search dementia --json
    """
    rows = search_items(app.settings, query, limit=limit)
    if as_json:
        print_json(rows)
        return
    if not rows:
        click.echo(f"no approved item matches {query!r}")
    for row in rows:
        click.echo(f"{row['file_no']}  {row['title']}  ({row['theme']}; {row['locality']})  [submission {row['id']}]")
        click.echo(f"    {' '.join((row['snippet'] or '').split())}")
