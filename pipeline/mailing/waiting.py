"""Sends a person should know are waiting or under way: approved editions and copies still queued;
and, for one edition, where each of its copies stands (who already had a cancelled one)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select

from pipeline.config import Settings
from pipeline.errors import NotFound
from pipeline.outbound.bulletin.approval import approvals_missing, held_back, when_shown
from pipeline.outbound.bulletin.summary import summarise
from pipeline.store.db import transaction
from pipeline.store.models import Bulletin, Outgoing, utcnow


def waiting_sends(settings: Settings) -> list[dict[str, Any]]:
    """One row per bulletin approved and not yet queued, or with copies still queued, oldest first.

    `copies` counts each audience's copies by status ({"internal": {"queued": 3, "sent": 5}}).
    """
    with transaction(settings.database.url, readonly=True) as session:
        still_queued = select(Outgoing.bulletin_id).where(
            Outgoing.status == "queued", Outgoing.bulletin_id.is_not(None)
        )
        bulletins = list(
            session.scalars(
                select(Bulletin)
                .where(or_(Bulletin.status == "approved", Bulletin.id.in_(still_queued)))
                .order_by(Bulletin.number)
            )
        )
        counts = _copies(session, [b.id for b in bulletins])
        return [_row(settings, b, counts.get(b.id, {})) for b in bulletins]


def _copies(session: Any, ids: list[int]) -> dict[int, dict[str, dict[str, int]]]:
    if not ids:
        return {}
    rows = session.execute(
        select(Outgoing.bulletin_id, Outgoing.audience, Outgoing.status, func.count())
        .where(Outgoing.bulletin_id.in_(ids))
        .group_by(Outgoing.bulletin_id, Outgoing.audience, Outgoing.status)
    )
    counts: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for bulletin_id, audience, status, n in rows:
        counts[bulletin_id][audience or "-"][status] = n
    return counts


def _row(settings: Settings, bulletin: Bulletin, copies: dict[str, dict[str, int]]) -> dict[str, Any]:
    if bulletin.status == "approved":
        when = "next run" if settings.schedule.send_approved else f"when you run: mln bulletin send {bulletin.id}"
        state = "waiting"
        missing = approvals_missing(settings, bulletin)
        if missing:
            when = f"after {missing} more approval(s): mln bulletin approve {bulletin.id} --as NAME"
        elif held_back(settings, bulletin):  # its send-at time is still to come
            when = f"not before {when_shown(settings, bulletin.send_at or utcnow())}"
    else:
        when, state = "now", "sending"
    return {
        "bulletin_id": bulletin.id,
        "number": bulletin.number,
        "state": state,
        "due": when,
        "copies": {audience: dict(by_status) for audience, by_status in sorted(copies.items())},
    }


COPY_STATES = ("queued", "sent", "failed", "cancelled")


def edition_copies(settings: Settings, bulletin_id: int, recipients: str | None = None) -> dict[str, Any]:
    """One edition and its copies by audience and status; with `recipients` (a status), who is in it.

    After a cancel this is the record of who already had the edition: the copies `sent`.
    """
    with transaction(settings.database.url, readonly=True) as session:
        bulletin = session.get(Bulletin, bulletin_id)
        if bulletin is None:
            raise NotFound(f"no bulletin {bulletin_id}; see `mln bulletin list`")
        counts = _copies(session, [bulletin_id]).get(bulletin_id, {})
        shown = summarise(bulletin) | {
            "copies": {audience: dict(by_status) for audience, by_status in sorted(counts.items())}
        }
        if recipients is not None:
            query = (
                select(Outgoing.recipient)
                .where(Outgoing.bulletin_id == bulletin_id, Outgoing.status == recipients)
                .order_by(Outgoing.recipient)
            )
            shown["recipients"] = list(session.scalars(query))
        return shown
