"""mln review: the review queue one plan at a time, in the terminal."""

from __future__ import annotations

import getpass
import sys

import click

from pipeline import review as review_lib
from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json
from pipeline.errors import InvalidInput


def register(cli: click.Group) -> None:
    cli.add_command(review)


@click.command()
@click.option(
    "--status",
    type=click.Choice(["pending", "needs_changes"]),
    default="pending",
    show_default=True,
    help="Which part of the queue to go through.",
)
@click.option("--theme", metavar="N|NAME", help="Only this key theme.")
@click.option("--as", "actor", metavar="NAME", help="Who to record as deciding (default: your login name).")
@click.option("--json", "as_json", is_flag=True, help="When you quit, print the decisions taken as JSON.")
@click.pass_obj
def review(app: AppContext, status: str, theme: str | None, actor: str | None, as_json: bool) -> None:
    """Go through the queue one plan at a time, as it will read in the bulletin.

    Keys: a approve, r reject (asks the reason), c request changes (an editable
    reply, Ctrl+S queues it), e edit a field (field=value), s or n skip, o the
    original message, q quit. Each decision is the same as the plain command
    (`mln approve`, `mln reject`, ...) and is recorded in the history the same way.

    \b
    Examples:
      mln review
      mln review --theme 6 --as "Comms lead"
    """
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        raise InvalidInput("mln review needs a terminal; in scripts use mln queue, approve, reject, request-changes")
    flt = review_lib.make_filter(app.settings, status=status, theme=theme)
    # Textual is loaded only when the review really starts: `mln --help` lists this command without paying for it.
    from pipeline.review.tui import run_review

    decisions = run_review(app.settings, actor or getpass.getuser(), flt)
    if as_json:
        print_json([{"id": sub, "decision": what} for sub, what in decisions])
    else:
        click.echo(f"{len(decisions)} decision(s): " + (", ".join(f"{w} {s}" for s, w in decisions) or "none"))
