"""mln bulletin send: adds `send` to the `mln bulletin` group (registered after pipeline.commands.bulletin)."""

from __future__ import annotations

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json, progress_callback
from pipeline.errors import SmtpError
from pipeline.mailing.sending import BulletinSendSummary, flush_outbox, queue_bulletin
from pipeline.outbound.claims import count_due
from pipeline.store import db


def register(cli: click.Group) -> None:
    group = cli.commands.get("bulletin")
    if isinstance(group, click.Group):
        group.add_command(send)


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
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON with keys bulletin_id, lists, queued, already_queued, sent, deferred, failed, stopped.",
)
@click.pass_obj
def send(app: AppContext, bulletin_id: int, list_name: str, dry_run: bool, as_json: bool) -> None:
    """Send an approved bulletin: one personalised copy per active subscriber, never two.

    A second send of the same bulletin sends only to those who have no copy
    yet (new subscribers, or copies that were never queued). Copies that fail
    for now stay in the outbox and are retried (`mln outbox status`).

    \b
    Examples:
      mln bulletin send 12 --dry-run
      mln bulletin send 12 --list external
    """
    settings = app.settings
    db.require_schema(settings.database.url)
    summary = queue_bulletin(settings, bulletin_id, list_name, dry_run=dry_run)
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
