"""Looking at what came in, and re-running quarantined messages.

Listing and showing (`mln messages`) read through the driver (store/reader.py) and import
neither SQLAlchemy nor the models; retrying writes, so it goes through `db.transaction`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.config import Settings
from pipeline.errors import NotFound, WrongState
from pipeline.store.reader import reading

SUMMARY_COLUMNS = ("id", "message_id", "from_addr", "subject", "received_at", "rule", "outcome", "reason")
DETAIL_COLUMNS = ("rule_hits", "handler", "error", "folder", "location", "size", "retries")


def message_summary(row: Mapping[str, Any]) -> dict[str, Any]:
    """One message as `mln messages` lists it, from its SUMMARY_COLUMNS."""
    return {
        "id": row["id"],
        "message_id": row["message_id"],
        "from": row["from_addr"],
        "subject": row["subject"],
        "received_at": row["received_at"].isoformat(),
        "rule": row["rule"],
        "outcome": row["outcome"],
        "reason": row["reason"],
    }


def list_messages(settings: Settings, outcome: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first."""
    where = "WHERE outcome = :outcome" if outcome else ""
    sql = f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM messages {where} ORDER BY id DESC LIMIT :limit"
    with reading(settings.database.url) as reader:
        return [message_summary(row) for row in reader.rows(sql, {"outcome": outcome, "limit": limit})]


def show_message(settings: Settings, message_pk: int) -> dict[str, Any]:
    sql = f"SELECT {', '.join(SUMMARY_COLUMNS + DETAIL_COLUMNS)} FROM messages WHERE id = :id"
    with reading(settings.database.url) as reader:
        row = reader.one(sql, {"id": message_pk})
    if row is None:
        raise NotFound(f"no message with id {message_pk}; see `mln messages`")
    return {**message_summary(row), **{name: row[name] for name in DETAIL_COLUMNS}}


def retry_message(settings: Settings, message_pk: int) -> dict[str, Any]:
    """Route and handle a quarantined (or held) message again from its stored bytes.

    The record is updated in place; the copy in the mailbox's quarantine folder
    stays where it is (the database is the record of what was done).
    """
    # Imported here: listing and showing messages (`mln messages`) need none of the handling.
    from pipeline.intake.handling import run_handler
    from pipeline.intake.prepare import read_attachments
    from pipeline.intake.rule_files import load_rules
    from pipeline.intake.rules import route
    from pipeline.mail import parse_mail
    from pipeline.store import db
    from pipeline.store.models import Message

    rules = load_rules(settings.rules_path)
    with db.transaction(settings.database.url) as session:
        row = session.get(Message, message_pk, with_for_update=True)
        if row is None:
            raise NotFound(f"no message with id {message_pk}; see `mln quarantine list`")
        if row.outcome not in ("quarantined", "held"):
            raise WrongState(f"message {message_pk} is {row.outcome}, not quarantined or held; nothing to retry")
        mail = parse_mail(row.raw)
        routing = route(rules, mail)
        row.error = ""
        result = run_handler(session, settings, row, mail, read_attachments(mail, settings.limits), routing)
        row.outcome, row.reason = result.outcome, result.reason
        row.retries += 1
        return message_summary({name: getattr(row, name) for name in SUMMARY_COLUMNS})
