"""mln held: everything waiting for a person, and what to do with each."""

from __future__ import annotations

import getpass

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import human_time, print_json, print_table
from pipeline.intake import held as held_lib
from pipeline.intake import held_actions

COLUMNS = [("id", "ID"), ("kind", "What"), ("waiting", "Since"), ("who", "From"), ("subject", "Subject")]


def register(cli: click.Group) -> None:
    cli.add_command(held)


def _actor(actor: str | None) -> str:
    return actor or getpass.getuser()


as_option = click.option("--as", "actor", metavar="NAME", help="Who to record as doing this (default: your login).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


@click.group(invoke_without_command=True)
@json_option
@click.pass_context
def held(ctx: click.Context, as_json: bool) -> None:
    """Everything waiting for a person: held or quarantined messages, joins to approve, possible duplicates.

    Without a subcommand, lists them with the reason in plain words. IDs are
    message numbers (17), J and a number for joins (J4), D and a submission
    number for a plan that may be one already filed (D42: decide with
    `mln merge` or `mln keep-separate`).

    \b
    Examples:
      mln held
      mln held release 17
      mln held discard 18 --reason "spam"
      mln held reply 19 --template not-a-form
      mln held release J4          approve a join
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(held_list, as_json=as_json)


@held.command("list")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON list with keys id, kind, from, from_name, subject, received_at, reason, recorded_reason, rule, next.",
)
@click.pass_obj
def held_list(app: AppContext, as_json: bool) -> None:
    """What waits for a person, the longest waiting first, and why.

    \b
    Examples:
      mln held list
      mln held list --json
    """
    rows = held_lib.list_held(app.settings)
    if as_json:
        print_json(rows)
        return
    zone = app.settings.network.timezone
    print_table([_for_table(r, zone) for r in rows], COLUMNS)
    for row in rows:
        click.echo(f"\n{row['id']}: {row['reason']}")
        click.echo(
            f"    next: {row['next']}" + (f" ({row['replies_queued']} reply queued)" if row["replies_queued"] else "")
        )


def _for_table(row: dict, zone: str) -> dict:
    who = f"{row['from_name']} <{row['from']}>" if row["from_name"] else row["from"]
    return {**row, "who": who, "waiting": human_time(row["received_at"], zone)}


@held.command()
@click.argument("held_id", metavar="ID")
@as_option
@json_option
@click.pass_obj
def release(app: AppContext, held_id: str, actor: str | None, as_json: bool) -> None:
    """Handle a held message again, past the rule that held it (a quarantined one: as it came); approve a join.

    The message then moves from Held to where its rule files it (after the commit;
    by the next `mln poll` if the mailbox does not answer now).

    \b
    Examples:
      mln held release 17
      mln held release J4 --as "Comms lead"
    """
    result = held_actions.release(app.settings, held_id, _actor(actor))
    if as_json:
        print_json(result)
    elif result["kind"] == "join":
        click.echo(f"{result['id']}: {result['from']} approved; they receive the next bulletin")
    elif result["outcome"] in ("held", "quarantined"):
        click.echo(f"{result['id']}: still {result['outcome']}: {result['reason']}")
    else:
        click.echo(f"{result['id']}: {result['outcome']} (rule {result['rule']}) {result['recorded_reason']}".rstrip())
        click.echo(f"    mailbox: {result['mailbox']}")


@held.command()
@click.argument("held_id", metavar="ID")
@click.option("--reason", required=True, metavar="TEXT", help="Why (recorded with the message).")
@as_option
@json_option
@click.pass_obj
def discard(app: AppContext, held_id: str, reason: str, actor: str | None, as_json: bool) -> None:
    """Dismiss a held message or decline a join; the reason is recorded.

    The discard is recorded first; then the message is moved from Held (or
    Quarantine) to Processed/Discarded, at once when the mailbox answers, else by
    the next `mln poll`.

    \b
    Examples:
      mln held discard 18 --reason "spam"
      mln held discard J4 --reason "not a health or care address"
    """
    result = held_actions.discard(app.settings, held_id, reason, _actor(actor))
    if as_json:
        print_json(result)
    elif result["kind"] == "join":
        click.echo(f"{result['id']}: join of {result['from']} declined ({reason})")
    else:
        click.echo(f"{result['id']}: discarded ({reason}); {result['mailbox']}")


@held.command()
@click.argument("held_id", metavar="ID")
@click.option("--template", metavar="NAME", help="A prepared answer (see `mln held templates`).")
@click.option("--text", metavar="TEXT", help="Your own short answer.")
@as_option
@json_option
@click.pass_obj
def reply(
    app: AppContext, held_id: str, template: str | None, text: str | None, actor: str | None, as_json: bool
) -> None:
    """Queue a short answer to the sender; the item stays held until released or discarded.

    \b
    Examples:
      mln held reply 19 --template not-a-form
      mln held reply 19 --text "Thanks, we will add this to the next bulletin."
    """
    result = held_actions.reply(app.settings, held_id, _actor(actor), template=template, text=text)
    if as_json:
        print_json(result)
    else:
        click.echo(f"{result['id']}: reply to {result['to']} queued in the outbox as {result['outgoing_id']}")


@held.command()
@json_option
@click.pass_obj
def templates(app: AppContext, as_json: bool) -> None:
    """The prepared answers for `mln held reply --template`.

    Add or replace one with a file replies/NAME.txt in the templates folder.

    \b
    Example:
      mln held templates
    """
    found = held_actions.reply_templates(app.settings)
    if as_json:
        print_json(found)
        return
    for name, text in sorted(found.items()):
        click.echo(f"{name}:\n    {text}")
