"""Everything waiting for a person, in one list: held and quarantined messages, joins awaiting approval.

Each kind is one small reader in HELD_KINDS (session -> rows); a new kind of
waiting thing (such as a possible duplicate submission) is one more reader there
and one more prefix in ID_PREFIXES. Rows are plain dicts with the same keys for
every kind, oldest first, so what has waited longest comes first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.errors import InvalidInput
from pipeline.store import db
from pipeline.store.models import Item, Message, Outgoing, Submission, Subscriber

# A held item's id says what it is: a bare number (or M12) is a message, J4 a join,
# D42 a submission that may be a plan already filed.
ID_PREFIXES = {"M": "message", "J": "join", "D": "duplicate"}
# Handlers whose whole work is to keep a message for a person (and perhaps tell the sender so).
HOLDING_HANDLERS = ("hold", "unrecognised")
HELD_REPLY_KIND = "held_reply"


def parse_held_id(text: str) -> tuple[str, int]:
    """'17' or 'M17' -> ('message', 17); 'J4' -> ('join', 4); 'D42' -> ('duplicate', 42)."""
    value = text.strip().upper()
    prefix = value[:1] if value[:1].isalpha() else "M"
    number = value[1:] if value[:1].isalpha() else value
    if prefix not in ID_PREFIXES or not number.isdigit():
        raise InvalidInput(f"{text!r} is not a held item's id; see the ID column of `mln held` (e.g. 17 or J4)")
    return ID_PREFIXES[prefix], int(number)


def list_held(settings: Settings) -> list[dict[str, Any]]:
    """Everything waiting for a person, the longest waiting first."""
    db.require_schema(settings.database.url)
    with db.transaction(settings.database.url, readonly=True) as session:
        rows = [row for reader in HELD_KINDS for row in reader(session)]
    return sorted(rows, key=lambda r: r["received_at"] or "")


def held_messages(session: Session) -> list[dict[str, Any]]:
    query = select(Message).where(Message.outcome.in_(("held", "quarantined"))).order_by(Message.id)
    rows = list(session.scalars(query))
    replies = _reply_counts(session, [r.id for r in rows])
    return [message_row(r, replies.get(r.id, 0)) for r in rows]


def message_row(row: Message, replies: int = 0) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "kind": row.outcome,
        "from": row.from_addr,
        "from_name": row.from_name,
        "subject": row.subject,
        "received_at": _iso(row.received_at),
        "reason": plain_reason(row.outcome, row.handler, row.reason),
        "recorded_reason": row.reason,
        "rule": row.rule,
        "replies_queued": replies,
        "next": next_step(row.outcome, row.handler),
    }


def waiting_joins(session: Session) -> list[dict[str, Any]]:
    query = select(Subscriber).where(Subscriber.awaiting_approval.is_(True)).order_by(Subscriber.id)
    return [join_row(s) for s in session.scalars(query)]


def join_row(subscriber: Subscriber) -> dict[str, Any]:
    lists = ", ".join(subscriber.lists) or "no list"
    asked = f" (asked by {subscriber.requested_by})" if subscriber.requested_by else ""
    return {
        "id": f"J{subscriber.id}",
        "kind": "join",
        "from": subscriber.email,
        "from_name": subscriber.name,
        "subject": f"join {lists}",
        "received_at": _iso(subscriber.confirmed_at or subscriber.joined_at),
        "reason": f"Confirmed a join to {lists}{asked}; joins need your approval ([lists] approval_required).",
        "recorded_reason": "",
        "rule": "",
        "replies_queued": 0,
        "next": NEXT_STEPS["join"],
    }


def possible_duplicates(session: Session) -> list[dict[str, Any]]:
    query = (
        select(Submission, Item.file_no)
        .join(Item, Submission.possible_duplicate_of_id == Item.id)
        .where(Submission.status.in_(("pending", "needs_changes")))
        .order_by(Submission.id)
    )
    return [duplicate_row(sub, file_no) for sub, file_no in session.execute(query)]


def duplicate_row(sub: Submission, file_no: str) -> dict[str, Any]:
    return {
        "id": f"D{sub.id}",
        "kind": "duplicate",
        "from": sub.sender,
        "from_name": sub.sender_name,
        "subject": sub.title,
        "received_at": _iso(sub.received_at),
        "reason": f"May be the same plan as {file_no}: {sub.duplicate_reason or 'a very similar title'}.",
        "recorded_reason": sub.duplicate_reason,
        "rule": "",
        "replies_queued": 0,
        "next": f"decide with `mln merge {sub.id} {file_no}` or `mln keep-separate {sub.id}`",
    }


HELD_KINDS: tuple[Callable[[Session], list[dict[str, Any]]], ...] = (held_messages, waiting_joins, possible_duplicates)

NEXT_STEPS = {
    "held": "release to handle it past the holding rule, reply to the sender, or discard",
    "quarantined": "fix the cause, then release to handle it again; or discard",
    "join": "release to approve the join, or discard to decline it",
}


def next_step(outcome: str, handler: str) -> str:
    if outcome == "held" and handler and handler not in HOLDING_HANDLERS:
        return f"reply to the sender, or release to run the {handler.replace('_', ' ')} handler again; or discard"
    return NEXT_STEPS.get(outcome, "")


def plain_reason(outcome: str, handler: str, reason: str) -> str:
    """The recorded reason in words for the person deciding."""
    if outcome == "quarantined":
        cause = reason.split(" failed: ", 1)[-1] if " failed: " in reason else reason
        return f"Handling failed with an error, so it was set aside: {cause or 'no detail recorded'}."
    if handler in HOLDING_HANDLERS or not handler:
        return f"Kept for a person by the inbox rules: {reason or 'no reason given'}."
    return f"The {handler.replace('_', ' ')} handler kept it for a person: {reason or 'no reason given'}."


def _reply_counts(session: Session, message_ids: list[int]) -> dict[int, int]:
    if not message_ids:
        return {}
    query = (
        select(Outgoing.source_message_pk, func.count())
        .where(Outgoing.kind == HELD_REPLY_KIND, Outgoing.source_message_pk.in_(message_ids))
        .group_by(Outgoing.source_message_pk)
    )
    return {pk: n for pk, n in session.execute(query) if pk is not None}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
