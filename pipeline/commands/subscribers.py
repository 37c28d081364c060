"""mln subscribers list | add | import | export | remove | forget | pending | approve | bounces."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json, print_table, progress_callback
from pipeline.people import subscribers as subs
from pipeline.store import db
from pipeline.store.db import transaction
from pipeline.store.models import SUBSCRIBER_STATUSES

COLUMNS = [
    ("email", "Email"),
    ("name", "Name"),
    ("organisation", "Organisation"),
    ("lists", "Lists"),
    ("status", "Status"),
]


def register(cli: click.Group) -> None:
    cli.add_command(subscribers)


@click.group()
def subscribers() -> None:
    """Who receives the bulletin: the lists, joins waiting for approval, bounces.

    \b
    Examples:
      mln subscribers list --list internal
      mln subscribers add jo.bloggs@example.nhs.test --list external --name "Jo Bloggs"
      mln subscribers import partners.csv --list external
    """


def _show(rows: list[dict], as_json: bool) -> None:
    if as_json:
        print_json(rows)
    else:
        print_table([{**r, "lists": ", ".join(r["lists"])} for r in rows], COLUMNS)


@subscribers.command("list")
@click.option("--list", "list_name", metavar="LIST", help="Only this list (e.g. internal, external).")
@click.option("--status", type=click.Choice(SUBSCRIBER_STATUSES), help="Only this status.")
@click.option(
    "--json", "as_json", is_flag=True, help="JSON list with keys email, name, organisation, lists, status, ..."
)
@click.pass_obj
def list_command(app: AppContext, list_name: str | None, status: str | None, as_json: bool) -> None:
    """List subscribers.

    \b
    Examples:
      mln subscribers list
      mln subscribers list --list external --status active --json
    """
    db.require_schema(app.settings.database.url)
    with transaction(app.settings.database.url, readonly=True) as session:
        rows = [subs.as_dict(s) for s in subs.list_subscribers(session, list_name, status)]
    _show(rows, as_json)


@subscribers.command()
@click.argument("email")
@click.option("--list", "list_name", required=True, metavar="LIST", help="The list to add them to.")
@click.option("--name", default="", help="Their name.")
@click.option("--organisation", default="", help="Their organisation.")
@click.pass_obj
def add(app: AppContext, email: str, list_name: str, name: str, organisation: str) -> None:
    """Add someone to a list directly (they are active at once; you vouch for their consent).

    \b
    Example:
      mln subscribers add jo.bloggs@example.nhs.test --list internal --name "Jo Bloggs" --organisation "Leeds MHT"
    """
    db.require_schema(app.settings.database.url)
    with transaction(app.settings.database.url) as session:
        subscriber, outcome = subs.add(session, app.settings, email, list_name, name=name, organisation=organisation)
        click.echo(f"{subscriber.email}: {outcome} ({', '.join(subscriber.lists)})")


@subscribers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--list", "list_name", required=True, metavar="LIST", help="The list to add everyone to.")
@click.option("--json", "as_json", is_flag=True, help="JSON with keys added, updated, unchanged, skipped.")
@click.pass_obj
def import_command(app: AppContext, file: Path, list_name: str, as_json: bool) -> None:
    """Add or update everyone in a CSV file (columns: email, name, organisation).

    Never re-adds anyone who unsubscribed, was disabled or was forgotten; each
    skipped row is reported with its line and reason.

    \b
    Example:
      mln subscribers import partners.csv --list external
    """
    db.require_schema(app.settings.database.url)
    start, close = progress_callback("importing")
    total = len(subs.registry.read_csv_rows(file))
    try:
        report = subs.import_csv(app.settings, file, list_name, progress=None if as_json else start(total))
    finally:
        close()
    if as_json:
        print_json(report.as_dict())
        return
    click.echo(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, skipped {len(report.skipped)}"
    )
    for line, email, why in report.skipped:
        click.echo(f"  line {line}: {email or '(empty)'}: {why}")


@subscribers.command()
@click.option("--list", "list_name", metavar="LIST", help="Only this list.")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The CSV file to write."
)
@click.pass_obj
def export(app: AppContext, list_name: str | None, output: Path) -> None:
    """Write subscribers to a CSV file.

    \b
    Example:
      mln subscribers export --list internal -o internal.csv
    """
    db.require_schema(app.settings.database.url)
    count = subs.export_csv(app.settings, output, list_name)
    click.echo(f"wrote {count} subscriber(s) to {output}")


@subscribers.command()
@click.argument("email")
@click.option("--list", "list_name", metavar="LIST", help="Only from this list (default: from every list).")
@click.pass_obj
def remove(app: AppContext, email: str, list_name: str | None) -> None:
    """Take someone off a list, or off every list (they become unsubscribed).

    \b
    Examples:
      mln subscribers remove jo.bloggs@example.nhs.test
      mln subscribers remove jo.bloggs@example.nhs.test --list internal
    """
    db.require_schema(app.settings.database.url)
    with transaction(app.settings.database.url) as session:
        subscriber = subs.remove(session, email, list_name)
        click.echo(f"{subscriber.email}: {subscriber.status} ({', '.join(subscriber.lists) or 'no lists'})")


@subscribers.command()
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def forget(app: AppContext, email: str, yes: bool) -> None:
    """Erase someone's personal data; keep only a salted hash so no import re-adds them.

    \b
    Example:
      mln subscribers forget jo.bloggs@example.nhs.test --yes
    """
    db.require_schema(app.settings.database.url)
    if not yes:
        click.confirm(f"Erase everything about {email}?", abort=True)
    with transaction(app.settings.database.url) as session:
        subs.forget(session, email)
    click.echo(f"forgotten: {email}")


@subscribers.command()
@click.option(
    "--json", "as_json", is_flag=True, help="JSON list with keys email, name, organisation, lists, status, ..."
)
@click.pass_obj
def pending(app: AppContext, as_json: bool) -> None:
    """Confirmed joins waiting for your approval (when [lists] approval_required is on).

    \b
    Example:
      mln subscribers pending
    """
    db.require_schema(app.settings.database.url)
    with transaction(app.settings.database.url, readonly=True) as session:
        rows = [subs.as_dict(s) for s in subs.list_subscribers(session, awaiting_approval=True)]
    _show(rows, as_json)


@subscribers.command()
@click.argument("email")
@click.pass_obj
def approve(app: AppContext, email: str) -> None:
    """Approve a confirmed join: they receive the next bulletin.

    \b
    Example:
      mln subscribers approve frances.doyle@example.org
    """
    db.require_schema(app.settings.database.url)
    with transaction(app.settings.database.url) as session:
        subscriber = subs.approve(session, email)
        click.echo(f"{subscriber.email}: {subscriber.status}")


@subscribers.command()
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON list with keys email, status, bounce_score, last_bounce_at, disabled_reason.",
)
@click.pass_obj
def bounces(app: AppContext, as_json: bool) -> None:
    """Subscribers whose mail bounces, worst first; disabled ones say why.

    \b
    Example:
      mln subscribers bounces --json
    """
    db.require_schema(app.settings.database.url)
    with transaction(app.settings.database.url, readonly=True) as session:
        rows = subs.bounce_list(session)
    if as_json:
        print_json(rows)
    else:
        print_table(
            rows,
            [
                ("email", "Email"),
                ("status", "Status"),
                ("bounce_score", "Score"),
                ("last_bounce_at", "Last bounce"),
                ("disabled_reason", "Why disabled"),
            ],
        )
