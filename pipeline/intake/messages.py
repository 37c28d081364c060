"""Looking at what came in, and re-running quarantined messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from pipeline.config import Settings
from pipeline.errors import NotFound, WrongState
from pipeline.store import db
from pipeline.store.models import Message


def message_summary(row: Message) -> dict[str, Any]:
    return {
        "id": row.id,
        "message_id": row.message_id,
        "from": row.from_addr,
        "subject": row.subject,
        "received_at": row.received_at.isoformat(),
        "rule": row.rule,
        "outcome": row.outcome,
        "reason": row.reason,
    }


def list_messages(settings: Settings, outcome: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """Newest first."""
    db.require_schema(settings.database.url)
    query = select(Message).order_by(Message.id.desc()).limit(limit)
    if outcome:
        query = query.where(Message.outcome == outcome)
    with db.transaction(settings.database.url, readonly=True) as session:
        return [message_summary(row) for row in session.scalars(query)]


def show_message(settings: Settings, message_pk: int) -> dict[str, Any]:
    with db.transaction(settings.database.url, readonly=True) as session:
        row = session.get(Message, message_pk)
        if row is None:
            raise NotFound(f"no message with id {message_pk}; see `mln messages`")
        return {
            **message_summary(row),
            "rule_hits": row.rule_hits,
            "handler": row.handler,
            "error": row.error,
            "folder": row.folder,
            "location": row.location,
            "size": row.size,
            "retries": row.retries,
        }


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
        return message_summary(row)
