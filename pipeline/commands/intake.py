"""mln poll, mln messages, mln quarantine."""

from __future__ import annotations

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import human_time, print_json, print_table, progress_callback
from pipeline.intake.messages import list_messages, retry_message, show_message
from pipeline.store.vocabulary import OUTCOMES

MESSAGE_COLUMNS = [
    ("id", "ID"),
    ("received_at", "Received"),
    ("from", "From"),
    ("subject", "Subject"),
    ("rule", "Rule"),
    ("outcome", "Outcome"),
]


def register(cli: click.Group) -> None:
    cli.add_command(poll)
    cli.add_command(messages)
    cli.add_command(quarantine)


def echo_poll_summary(summary: dict) -> None:
    outcomes = ", ".join(f"{n} {k}" for k, n in sorted(summary["outcomes"].items())) or "nothing new"
    click.echo(
        f"{summary['mailbox']} {summary['folder']}: fetched {summary['fetched']} ({outcomes}) in {summary['seconds']}s"
    )
    if summary["already_recorded"]:
        click.echo(f"  {summary['already_recorded']} already recorded (another poller, or a previous run)")
    if summary["finished_from_last_time"]:
        click.echo(f"  finished {summary['finished_from_last_time']} mailbox action(s) left from last time")
    if summary["uidvalidity_reset"]:
        click.echo("  the folder's UIDVALIDITY changed: rescanned it; known messages were not handled again")
    if summary["replies_spooled"]:
        click.echo(f"  {summary['replies_spooled']} reply/replies spooled to the outbox")
    if summary.get("spool_error"):
        click.echo(f"  could not spool every reply (they stay queued and are retried): {summary['spool_error']}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
def poll(app: AppContext, as_json: bool) -> None:
    """Read the mailbox once: file every new message by the inbox rules.

    Exit code 0 when the pass completed (even if some messages were
    quarantined); 3 when the mailbox or database cannot be reached; 2 for a
    configuration problem. For cron: `mln poll --json >> poll.log`.

    \b
    Examples:
      mln poll
      MLN_IMAP_PASSWORD=... mln --config /srv/mln/mln.toml poll --json
    """
    start, close = progress_callback("fetching")
    try:
        from pipeline.passes import poll_once  # the whole intake and the outbox: only when polling

        summary = poll_once(app.settings, on_new=None if as_json else start).to_dict()
    finally:
        close()
    if as_json:
        print_json(summary)
    else:
        echo_poll_summary(summary)


@click.command()
@click.option("--outcome", type=click.Choice(OUTCOMES), help="Only messages with this outcome.")
@click.option("--limit", default=50, show_default=True, help="How many, newest first.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON list with keys id, message_id, from, subject, received_at, rule, outcome.",
)
@click.argument("message_id", required=False, type=int)
@click.pass_obj
def messages(app: AppContext, outcome: str | None, limit: int, as_json: bool, message_id: int | None) -> None:
    """List recorded messages and what happened to each; with an ID, show one in full.

    \b
    Examples:
      mln messages
      mln messages --outcome held
      mln messages 42 --json
    """
    if message_id is not None:
        detail = show_message(app.settings, message_id)
        if as_json:
            print_json(detail)
        else:
            shown = {**detail, "received_at": human_time(detail["received_at"], app.settings.network.timezone)}
            for key, value in shown.items():
                click.echo(f"{key:>12}: {value}")
        return
    rows = list_messages(app.settings, outcome=outcome, limit=limit)
    print_json(rows) if as_json else print_table(_human(rows, app.settings.network.timezone), MESSAGE_COLUMNS)


def _human(rows: list[dict], zone: str) -> list[dict]:
    """Times as people read them ('6 Dec 2026 09:14', network time); --json keeps ISO 8601."""
    return [{**row, "received_at": human_time(row["received_at"], zone)} for row in rows]


@click.group()
def quarantine() -> None:
    """Messages whose handling failed: list them, retry them (see also `mln held`).

    \b
    Examples:
      mln quarantine list
      mln quarantine retry 17
    """


@quarantine.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def quarantine_list(app: AppContext, as_json: bool) -> None:
    """Quarantined messages, newest first, with the reason.

    \b
    Example:
      mln quarantine list --json
    """
    rows = list_messages(app.settings, outcome="quarantined", limit=1000)
    if as_json:
        print_json(rows)
    else:
        print_table(_human(rows, app.settings.network.timezone), [*MESSAGE_COLUMNS[:4], ("reason", "Reason")])


@quarantine.command("retry")
@click.argument("message_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the new outcome as JSON.")
@click.pass_obj
def quarantine_retry(app: AppContext, message_id: int, as_json: bool) -> None:
    """Run a quarantined or held message through the rules and its handler again.

    \b
    Example:
      mln quarantine retry 17
    """
    result = retry_message(app.settings, message_id)
    if as_json:
        print_json(result)
    else:
        click.echo(f"message {result['id']}: {result['outcome']} (rule {result['rule']}) {result['reason']}".rstrip())
