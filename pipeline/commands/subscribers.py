"""mln subscribers list | add | import | export | remove | forget | pending | approve | bounces
(and show | complaints | suppress | suppressed, in pipeline/commands/subscriber_records.py).

`list` and `pending` read through the driver (pipeline/store/reader.py); the commands that
work on the models open `models_transaction`, which imports SQLAlchemy when they run (issue #23).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json, print_table, progress_callback
from pipeline.commands.subscriber_records import (
    attach_records_commands,
    consent_options,
    models_transaction,
    require_schema,
)
from pipeline.csvfiles import read_csv_rows
from pipeline.people import subscribers as subs
from pipeline.people.subscribers.listing import list_subscribers
from pipeline.store.reader import reading
from pipeline.store.vocabulary import SUBSCRIBER_STATUSES

if TYPE_CHECKING:
    from pipeline.people.subscribers.consent import Consent

COLUMNS = [
    ("email", "Email"),
    ("name", "Name"),
    ("organisation", "Organisation"),
    ("lists", "Lists"),
    ("status", "Status"),
]


def register(cli: click.Group) -> None:
    attach_records_commands(subscribers)
    cli.add_command(subscribers)


@click.group()
def subscribers() -> None:
    """Who receives the bulletin: the lists, consent, joins waiting for approval, bounces, complaints.

    \b
    Examples:
      mln subscribers list --list internal
      mln subscribers add jo.bloggs@example.nhs.test --list external --name "Jo Bloggs" --by "A. Lead"
      mln subscribers import partners.csv --list external --wording "event sign-up form 2026-03"
      mln subscribers show jo.bloggs@example.nhs.test --json
      mln subscribers complaints
    """


def _show(rows: list[dict], as_json: bool) -> None:
    if as_json:
        print_json(rows)
    else:
        print_table([{**r, "lists": ", ".join(r["lists"])} for r in rows], COLUMNS)


@subscribers.command("list")
@click.option("--list", "list_name", metavar="LIST", help="Only this list (e.g. internal, external).")
@click.option("--status", type=click.Choice(SUBSCRIBER_STATUSES), help="Only this status.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Only the first N, in address order.")
@click.option(
    "--json", "as_json", is_flag=True, help="JSON list with keys email, name, organisation, lists, status, ..."
)
@click.pass_obj
def list_command(app: AppContext, list_name: str | None, status: str | None, limit: int | None, as_json: bool) -> None:
    """List subscribers.

    \b
    Examples:
      mln subscribers list
      mln subscribers list --list external --status active --json
      mln subscribers list --limit 100
    """
    with reading(app.settings.database.url) as reader:
        rows = list_subscribers(reader, list_name, status, limit=limit)
    _show(rows, as_json)


@subscribers.command()
@click.argument("email")
@click.option("--list", "list_name", required=True, metavar="LIST", help="The list to add them to.")
@click.option("--name", default="", help="Their name.")
@click.option("--organisation", default="", help="Their organisation.")
@consent_options
@click.option("--json", "as_json", is_flag=True, help="Print the subscriber as JSON.")
@click.pass_obj
def add(
    app: AppContext, email: str, list_name: str, name: str, organisation: str, consent: Consent, as_json: bool
) -> None:
    """Add someone to a list directly (they are active at once; you vouch for their consent).

    The consent record names the lawful basis, who added them and the wording they
    agreed to. An address on the suppression list (they left, complained or asked to
    be forgotten) is refused: only they can rejoin, by email.

    \b
    Examples:
      mln subscribers add jo.bloggs@example.nhs.test --list internal --name "Jo Bloggs" --organisation "Leeds MHT"
      mln subscribers add sam.lee@example.org --list internal --basis legitimate-interests --by "A. Lead"
    """
    with models_transaction(app) as session:
        subscriber, outcome = subs.add(
            session, app.settings, email, list_name, name=name, organisation=organisation, consent=consent
        )
        if as_json:
            print_json({**subs.as_dict(subscriber), "outcome": outcome})
            return
        click.echo(f"{subscriber.email}: {outcome} ({', '.join(subscriber.lists)})")


@subscribers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--list", "list_name", required=True, metavar="LIST", help="The list to add everyone to.")
@consent_options
@click.option("--json", "as_json", is_flag=True, help="JSON with keys added, updated, unchanged, skipped.")
@click.pass_obj
def import_command(app: AppContext, file: Path, list_name: str, consent: Consent, as_json: bool) -> None:
    """Add or update everyone in a CSV file (columns: email, name, organisation).

    Never re-adds anyone who unsubscribed, complained, was disabled or was forgotten
    (the suppression list); each skipped row is reported with its line and reason.
    Each person's consent record names the file, the basis and the wording.

    \b
    Examples:
      mln subscribers import partners.csv --list external
      mln subscribers import signups.csv --list external --by "A. Lead" --wording "conference form 2026-03"
    """
    require_schema(app)
    start, close = progress_callback("importing")
    total = len(read_csv_rows(file))
    try:
        report = subs.import_csv(
            app.settings, file, list_name, progress=None if as_json else start(total), consent=consent
        )
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
    count = subs.export_csv(app.settings, output, list_name)
    click.echo(f"wrote {count} subscriber(s) to {output}")


@subscribers.command()
@click.argument("email")
@click.option("--list", "list_name", metavar="LIST", help="Only from this list (default: from every list).")
@click.option("--json", "as_json", is_flag=True, help="Print the subscriber as JSON.")
@click.pass_obj
def remove(app: AppContext, email: str, list_name: str | None, as_json: bool) -> None:
    """Take someone off a list, or off every list (they become unsubscribed).

    \b
    Examples:
      mln subscribers remove jo.bloggs@example.nhs.test
      mln subscribers remove jo.bloggs@example.nhs.test --list internal
    """
    with models_transaction(app) as session:
        subscriber = subs.remove(session, email, list_name)
        if as_json:
            print_json(subs.as_dict(subscriber))
            return
        click.echo(f"{subscriber.email}: {subscriber.status} ({', '.join(subscriber.lists) or 'no lists'})")


@subscribers.command()
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON with keys address_sha256, subscriber, outgoing_redacted, outgoing_cancelled, messages_erased, ...",
)
@click.pass_obj
def forget(app: AppContext, email: str, yes: bool, as_json: bool) -> None:
    """Erase someone's personal data; the suppression list keeps only the address's SHA-256 hash,
    so no import or add brings them back (only they can rejoin, by email).

    Mail sent to them stays counted in each edition, under the hash instead of the
    address; mail not yet sent is cancelled; the messages they sent are erased
    from the message log (except one that carried a submitted plan).

    \b
    Example:
      mln subscribers forget jo.bloggs@example.nhs.test --yes
    """
    require_schema(app)
    if not yes:
        click.confirm(f"Erase everything about {email}?", abort=True)
    erased = subs.forget_everywhere(app.settings, email)
    if as_json:
        print_json(erased)
        return
    click.echo(f"forgotten: {email}")
    click.echo(
        f"    {erased['outgoing_redacted']} mail(s) to them kept without the address "
        f"({erased['outgoing_cancelled']} not yet sent: cancelled); {erased['messages_erased']} received message(s) erased"
    )
    if erased["messages_kept_for_plans"]:
        click.echo(f"    {erased['messages_kept_for_plans']} received message(s) kept: they carried a submitted plan")


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
    with reading(app.settings.database.url) as reader:
        rows = list_subscribers(reader, awaiting_approval=True)
    _show(rows, as_json)


@subscribers.command()
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="Print the subscriber as JSON.")
@click.pass_obj
def approve(app: AppContext, email: str, as_json: bool) -> None:
    """Approve a confirmed join: they receive the next bulletin.

    \b
    Example:
      mln subscribers approve frances.doyle@example.org
    """
    with models_transaction(app) as session:
        subscriber = subs.approve(session, email)
        if as_json:
            print_json(subs.as_dict(subscriber))
            return
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
    """Subscribers whose mail bounces, disabled first; disabled ones say why.

    A failure saying the mailbox is gone (5.1.1 user unknown, 5.1.10, 5.1.6 moved,
    5.2.1 disabled) disables the address at once. Any other failure (full, blocked)
    counts one edition; the score is the editions in a row that failed, and at
    [bounces] soft_editions (default 3) the address is disabled.

    \b
    Example:
      mln subscribers bounces --json
    """
    with models_transaction(app, readonly=True) as session:
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
