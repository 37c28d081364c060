"""mln subscribers show | complaints | suppress | suppressed: what is kept about readers, and why.

Attached to the `mln subscribers` group by pipeline/commands/subscribers.py; the
`consent_options` and `models_transaction` there live here too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import human_time, print_json, print_table
from pipeline.people import subscribers as subs
from pipeline.store.vocabulary import LAWFUL_BASES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def attach_records_commands(group: click.Group) -> None:
    for command in (show, complaints, suppress, suppressed):
        group.add_command(command)


def require_schema(app: AppContext) -> None:
    """Fail with a next step when the configured database has no tables yet."""
    from pipeline.store import db

    db.require_schema(app.settings.database.url)


def models_transaction(app: AppContext, readonly: bool = False) -> AbstractContextManager[Session]:
    """One transaction on the configured database (db.transaction), checked to have our tables.

    SQLAlchemy is imported here, when a command that works on the models runs, so that
    `mln subscribers list`, which reads through the driver, does not pay for it (issue #23)."""
    from pipeline.store import db

    require_schema(app)
    return db.transaction(app.settings.database.url, readonly=readonly)


def consent_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--basis, --by and --wording, handed to the command as one `consent` (subs.Consent)."""

    @click.option(
        "--basis",
        type=click.Choice(LAWFUL_BASES),
        default="consent",
        show_default=True,
        help="The lawful basis for mailing them (UK GDPR art. 6).",
    )
    @click.option("--by", "added_by", default="", metavar="NAME", help="Who is adding them, for the consent record.")
    @click.option(
        "--wording",
        default="",
        metavar="VERSION",
        help='The wording they agreed to, e.g. "event sign-up form 2026-03".',
    )
    @functools.wraps(command)
    def wrapper(*args: Any, basis: str, added_by: str, wording: str, **kwargs: Any) -> Any:
        consent = subs.Consent(lawful_basis=basis, added_by=added_by, wording_version=wording)
        return command(*args, consent=consent, **kwargs)

    return wrapper


@click.command()
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="All of it as JSON (a subject-access export).")
@click.pass_obj
def show(app: AppContext, email: str, as_json: bool) -> None:
    """Everything kept about one address: a subject-access export.

    The subscriber's record and lists, each consent record (lawful basis, source,
    time, wording version), the mail sent to them, their bounces and complaints, and
    whether the address is on the suppression list. After `forget`, only the
    suppression entry (a SHA-256 hash) is left. Exit code 1 when nothing is kept.

    \b
    Examples:
      mln subscribers show jo.bloggs@example.nhs.test
      mln subscribers show jo.bloggs@example.nhs.test --json > jo-bloggs-sar.json
    """
    with models_transaction(app, readonly=True) as session:
        data = subs.subject_access(session, email)
    if as_json:
        print_json(data)
        return
    _print_access(data)


def _print_access(data: dict) -> None:
    row = data["subscriber"]
    if row is None:
        click.echo(f"{data['email']}: not a subscriber")
    else:
        click.echo(
            f"{row['email']}: {row['status']} ({', '.join(row['lists']) or 'no lists'}), {row['name'] or 'no name'}"
        )
    click.echo("\nConsent:")
    print_table(
        data["consent"],
        [
            ("at", "When"),
            ("action", "What"),
            ("lawful_basis", "Basis"),
            ("source", "Source"),
            ("source_detail", "Detail"),
            ("wording_version", "Wording"),
        ],
    )
    click.echo(
        f"\nMail sent: {len(data['deliveries'])}; bounces: {len(data['bounces'])}; "
        f"complaints: {len(data['complaints'])}"
    )
    suppression = data["suppression"]
    if suppression.get("reason"):
        click.echo(f"Suppressed: {suppression['reason']} since {human_time(suppression['at'])}")
    else:
        click.echo("Not on the suppression list")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="JSON with keys complaints (each one) and editions (counts).")
@click.pass_obj
def complaints(app: AppContext, as_json: bool) -> None:
    """Spam complaints from mailbox providers' feedback loops, and each edition's rate.

    Each complainer was unsubscribed and suppressed when the report came in. Gmail,
    Yahoo and Outlook.com expect fewer than 0.3% of copies to be reported.

    \b
    Examples:
      mln subscribers complaints
      mln subscribers complaints --json
    """
    with models_transaction(app, readonly=True) as session:
        rows, editions = subs.complaint_list(session), subs.complaint_summary(session)
    if as_json:
        print_json({"complaints": rows, "editions": editions})
        return
    if not rows:
        click.echo("no complaints")
        return
    print_table(
        [{**r, "email": r["email"] or "(forgotten)", "at": human_time(r["at"])} for r in rows],
        [
            ("at", "When"),
            ("email", "Email"),
            ("bulletin_number", "Edition"),
            ("feedback_type", "Type"),
            ("reporter", "Reported by"),
        ],
    )
    click.echo("")
    print_table(
        [{**e, "rate_percent": "" if e["rate_percent"] is None else f"{e['rate_percent']}%"} for e in editions],
        [
            ("bulletin_number", "Edition"),
            ("complaints", "Complaints"),
            ("copies_sent", "Copies sent"),
            ("rate_percent", "Rate"),
        ],
    )


@click.command()
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="Print the entry as JSON (keys email, reason, at).")
@click.pass_obj
def suppress(app: AppContext, email: str, as_json: bool) -> None:
    """Put an address on the suppression list at its owner's request ("do not contact").

    They leave every list; no add or import brings them back. Only they can rejoin,
    by writing from that address and confirming.

    \b
    Example:
      mln subscribers suppress jo.bloggs@example.nhs.test
      mln subscribers suppress jo.bloggs@example.nhs.test --json
    """
    with models_transaction(app) as session:
        row = subs.suppress_at_request(session, email)
        entry = {"email": email, "reason": row.reason, "at": row.at.isoformat()}
    if as_json:
        print_json(entry)
    else:
        click.echo(f"suppressed: {email} ({entry['reason']} since {human_time(entry['at'])})")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="JSON list with keys sha256, reason, at.")
@click.pass_obj
def suppressed(app: AppContext, as_json: bool) -> None:
    """The suppression list: SHA-256 hashes of addresses, with the reason and time (no addresses are kept).

    \b
    Examples:
      mln subscribers suppressed
      mln subscribers suppressed --json
    """
    with models_transaction(app, readonly=True) as session:
        rows = subs.suppression_list(session)
    if as_json:
        print_json(rows)
        return
    print_table(
        [{**r, "at": human_time(r["at"])} for r in rows],
        [("sha256", "SHA-256"), ("reason", "Reason"), ("at", "Since")],
        max_width=64,
    )
