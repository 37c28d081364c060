"""mln merge, mln keep-separate: settle a submission the intake marked as a possible duplicate."""

from __future__ import annotations

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json
from pipeline.commands.review import actor_name, actor_option
from pipeline.review.merge import keep_separate, merge_into


def register(cli: click.Group) -> None:
    cli.add_command(merge)
    cli.add_command(keep_separate_command)


@click.command()
@click.argument("submission_id", type=int)
@click.option(
    "--into", "into", required=True, metavar="FILE_NO|ID", help="The plan it repeats: its File No or a submission id."
)
@actor_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (id, file_no, revision, was).")
@click.pass_obj
def merge(app: AppContext, submission_id: int, into: str, actor: str | None, as_json: bool) -> None:
    """Make a submission the next revision of another plan (one plan, one File No).

    Its own File No, if nothing else was filed under it, then leads to that plan.

    \b
    Examples:
      mln merge 57 --into WO-2026-001
      mln merge 57 --into 12 --as "Comms lead" --json
    """
    r = merge_into(app.settings, submission_id, into, actor_name(actor))
    if as_json:
        print_json(r)
        return
    was = f" (was {r['was']})" if r["was"] else ""
    same = f"; same content as revision {r['same_content_as_revision']}" if r["same_content_as_revision"] else ""
    click.echo(f"merged {r['id']}{was} into {r['file_no']} as revision {r['revision']}{same}")


@click.command("keep-separate")
@click.argument("submission_id", type=int)
@click.option("--reason", default="", metavar="TEXT", help="Why it is a plan of its own (kept in the history).")
@actor_option
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def keep_separate_command(app: AppContext, submission_id: int, reason: str, actor: str | None, as_json: bool) -> None:
    """Clear a 'possible duplicate' mark: the submission stays a plan with its own File No.

    \b
    Examples:
      mln keep-separate 57
      mln keep-separate 57 --reason "Same title, different ward" --json
    """
    r = keep_separate(app.settings, submission_id, actor_name(actor), reason)
    if as_json:
        print_json(r)
        return
    click.echo(f"kept {r['id']} {r['file_no']} separate from {r['was_possible_duplicate_of'] or 'the other plan'}")
