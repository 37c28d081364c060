"""mln bulletin send | test: adds `send` and `test` to the `mln bulletin` group (registered after pipeline.commands.bulletin)."""

from __future__ import annotations

import getpass

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json, progress_callback
from pipeline.errors import SmtpError
from pipeline.mailing.approving import send_by_hand
from pipeline.mailing.proofs import send_test_copy
from pipeline.mailing.sending import BulletinSendSummary, flush_outbox
from pipeline.outbound.bulletin.content import AUDIENCES
from pipeline.outbound.claims import count_due
from pipeline.store import db


def register(cli: click.Group) -> None:
    group = cli.commands.get("bulletin")
    if isinstance(group, click.Group):
        group.add_command(send)
        group.add_command(test)


@click.command()
@click.argument("bulletin_id", type=int)
@click.option(
    "--list",
    "list_name",
    type=click.Choice(["internal", "external", "all"]),
    default="all",
    show_default=True,
    help="Which list(s) to send to; someone on both lists gets the internal version once.",
)
@click.option("--dry-run", is_flag=True, help="Only count who would get a copy; queue and send nothing.")
@click.option("--now", is_flag=True, help="Send before the time set with `approve --send-at`.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON with keys bulletin_id, lists, queued, already_queued, sent, deferred, failed, stopped.",
)
@click.pass_obj
def send(app: AppContext, bulletin_id: int, list_name: str, dry_run: bool, now: bool, as_json: bool) -> None:
    """Send an approved bulletin: one personalised copy per active subscriber, never two.

    A second send of the same bulletin sends only to those who have no copy
    yet (new subscribers, or copies that were never queued). Copies that fail
    for now stay in the outbox and are retried (`mln outbox status`).
    Refused (exit 1) when a list's edition has no items, or the issue still
    waits for a second approver or (without --now) its --send-at time.

    \b
    Examples:
      mln bulletin send 12 --dry-run
      mln bulletin send 12 --list external
    """
    settings = app.settings
    db.require_schema(settings.database.url)
    summary = send_by_hand(settings, bulletin_id, list_name, dry_run=dry_run, now=now)
    if not dry_run:
        start, close = progress_callback("sending")
        try:
            flush_outbox(settings, summary, progress=None if as_json else start(count_due(settings)))
        finally:
            close()
    if as_json:
        print_json(summary.as_dict())
    else:
        _echo(summary)
    if summary.stopped:
        raise SmtpError(summary.stopped + "; the copies stay queued: run `mln outbox flush` when the server is back")


def _echo(summary: BulletinSendSummary) -> None:
    verb = "would queue" if summary.dry_run else "queued"
    per_list = ", ".join(f"{n} {audience}" for audience, n in summary.queued.items()) or "no new copies"
    click.echo(f"bulletin {summary.bulletin_id}: {verb} {per_list}; {summary.already_queued} queued before")
    if not summary.dry_run:
        click.echo(f"sent {summary.sent}, deferred {summary.deferred}, failed {summary.failed}")


@click.command(name="test")
@click.argument("bulletin_id", type=int)
@click.option("--to", "to", required=True, metavar="ADDRESS", help="The one address the test copy goes to.")
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    help="Whose copy (default: the list ADDRESS is on, else internal).",
)
@click.option("--as", "actor", metavar="NAME", help="Who sends the test (default: your login name).")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON with keys bulletin_id, to, audience, subject, message_id, personalised.",
)
@click.pass_obj
def test(app: AppContext, bulletin_id: int, to: str, audience: str | None, actor: str | None, as_json: bool) -> None:
    """Send one test copy of a bulletin to ADDRESS: exactly what a subscriber of that audience would get.

    The subject starts with [TEST] and an X-MLN-Test header marks it. It is
    recorded with the bulletin, never counted as a delivery, and does not stop
    the real copy to the same address. A draft is rendered as it is now.

    \b
    Examples:
      mln bulletin test 3 --to comms.lead@example.nhs.uk
      mln bulletin test 3 --to me@partner.example.org --audience external
    """
    copy = send_test_copy(app.settings, bulletin_id, to, audience, by=actor or getpass.getuser())
    if as_json:
        print_json(copy.as_dict())
        return
    whose = (
        "its own name and unsubscribe link"
        if copy.personalised
        else "sample unsubscribe links (not a subscriber of it)"
    )
    click.echo(f"Sent a test copy of bulletin {bulletin_id} ({copy.audience} edition) to {copy.to}, with {whose}")
    click.echo(f"Subject: {copy.subject}")
