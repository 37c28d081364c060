"""A subject-access export: everything kept about one address, for `mln subscribers show`.

The subscriber's row and lists, their consent trail, the mail sent to them, their
bounces and complaints, and whether the address is on the suppression list. After
`forget` only the suppression entry (a hash) and anonymous complaint counts remain.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pipeline.errors import NotFound
from pipeline.people.subscribers.consent import consent_dicts
from pipeline.people.subscribers.registry import as_dict, find
from pipeline.people.subscribers.suppression import address_digest, find_suppression
from pipeline.store.models import Bounce, Complaint, Outgoing, Subscriber


def subject_access(session: Session, address: str) -> dict:
    """Everything about `address`; NotFound when there is nothing at all."""
    address = address.strip().lower()
    subscriber = find(session, address)
    suppression = find_suppression(session, address)
    if subscriber is None and suppression is None:
        raise NotFound(f"nothing is kept about {address}: not a subscriber and not on the suppression list")
    return {
        "email": address,
        "subscriber": _subscriber(subscriber) if subscriber is not None else None,
        "consent": consent_dicts(subscriber) if subscriber is not None else [],
        "deliveries": _deliveries(session, address, subscriber),
        "bounces": _bounces(session, subscriber) if subscriber is not None else [],
        "complaints": _complaints(session, subscriber) if subscriber is not None else [],
        "suppression": {
            "sha256": suppression.digest,
            "reason": suppression.reason,
            "detail": suppression.detail,
            "at": _iso(suppression.at),
        }
        if suppression is not None
        else {"sha256": address_digest(address), "suppressed": False},
    }


def _subscriber(subscriber: Subscriber) -> dict:
    return {
        **as_dict(subscriber),
        "memberships": [
            {"list": m.list_name, "confirmed": m.confirmed, "added_at": _iso(m.added_at)}
            for m in subscriber.memberships
        ],
        "requested_by": subscriber.requested_by,
        "confirmed_via": subscriber.confirmed_via,
        "approved_at": _iso(subscriber.approved_at),
        "unsubscribed_at": _iso(subscriber.unsubscribed_at),
        "unsubscribed_via": subscriber.unsubscribed_via,
        "disabled_at": _iso(subscriber.disabled_at),
        "disabled_reason": subscriber.disabled_reason,
        "last_bounce_at": _iso(subscriber.last_bounce_at),
    }


def _deliveries(session: Session, address: str, subscriber: Subscriber | None) -> list[dict]:
    mine = Outgoing.recipient == address
    if subscriber is not None:
        mine = or_(mine, Outgoing.subscriber_id == subscriber.id)
    rows = session.scalars(select(Outgoing).where(mine).order_by(Outgoing.id))
    return [
        {
            "kind": r.kind,
            "subject": r.subject,
            "bulletin_id": r.bulletin_id,
            "status": r.status,
            "created_at": _iso(r.created_at),
            "sent_at": _iso(r.sent_at),
            "last_error": r.last_error,
        }
        for r in rows
    ]


def _bounces(session: Session, subscriber: Subscriber) -> list[dict]:
    rows = session.scalars(select(Bounce).where(Bounce.subscriber_id == subscriber.id).order_by(Bounce.at))
    return [
        {
            "at": _iso(b.at),
            "bulletin_id": b.bulletin_id,
            "kind": b.kind,
            "source": b.source,
            "status": b.status,
            "detail": b.detail,
        }
        for b in rows
    ]


def _complaints(session: Session, subscriber: Subscriber) -> list[dict]:
    rows = session.scalars(select(Complaint).where(Complaint.subscriber_id == subscriber.id).order_by(Complaint.at))
    return [
        {"at": _iso(c.at), "bulletin_id": c.bulletin_id, "feedback_type": c.feedback_type, "reporter": c.reporter}
        for c in rows
    ]


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""
