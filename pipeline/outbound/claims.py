"""Which outbox rows a sender takes, and how it lets go of them.

A sender claims a batch of due, spooled rows for a few minutes (`claim_batch`;
SKIP LOCKED on PostgreSQL), renews the claims while the batch lasts, marks each
row sent the moment the server accepts it, and releases what it still holds at
the end. A claim names its owner ("host:pid:nonce", pipeline/store/claims.py), so
the claims of a sender that died on this host are taken over at once, and those of
one elsewhere once their lease runs out.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, func, or_, select, update

from pipeline.config import Settings
from pipeline.errors import DatabaseError
from pipeline.store.claims import claimant_is_gone
from pipeline.store.db import StatementWriter, transaction
from pipeline.store.models import Outgoing, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claimed:
    """What the sender needs of a claimed row, read in the claiming transaction."""

    id: int
    recipient: str
    envelope_from: str
    spool_name: str


def count_due(settings: Settings, now: dt.datetime | None = None) -> int:
    """Queued rows a flush would try now (spooled or about to be)."""
    now = now or utcnow()
    with transaction(settings.database.url, readonly=True) as session:
        return (
            session.scalar(select(func.count()).select_from(Outgoing).where(Outgoing.status == "queued", _is_due(now)))
            or 0
        )


def _is_due(now: dt.datetime):  # type: ignore[no-untyped-def]
    return or_(Outgoing.next_attempt_at.is_(None), Outgoing.next_attempt_at <= now)


def claim_batch(
    url: str,
    owner: str,
    size: int,
    now: dt.datetime,
    lease: dt.timedelta,
    *,
    copies: bool = True,
    route: str | None = None,
) -> list[Claimed]:
    """Claim up to `size` due, spooled rows for `owner`; two senders never claim the same row.

    With `copies=False` bulletin copies are left alone: a sender with no copy filler
    could not fill one again if its file were lost, so it leaves them to one that can.
    With `route`, only rows going by that route (pipeline/outbound/routes.py).
    """
    with transaction(url) as session:
        holders = session.scalars(
            select(Outgoing.claimed_by).distinct().where(Outgoing.status == "queued", Outgoing.claimed_until > now)
        ).all()
        dead = [h for h in holders if h and claimant_is_gone(h)]
        free = or_(Outgoing.claimed_until.is_(None), Outgoing.claimed_until <= now, Outgoing.claimed_by.in_(dead))
        wanted = select(Outgoing.id, Outgoing.recipient, Outgoing.envelope_from, Outgoing.spool_name).where(
            Outgoing.status == "queued", Outgoing.spool_name != "", _is_due(now), free
        )
        if route is not None:
            wanted = wanted.where(Outgoing.route == route)
        if not copies:  # a bulletin copy is a row with no bytes of its own
            wanted = wanted.where(or_(Outgoing.raw.is_not(None), Outgoing.bulletin_id.is_(None)))
        rows = session.execute(
            wanted.order_by(Outgoing.id)
            .limit(size)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises
        ).all()
        if rows:
            ids = [r.id for r in rows]
            session.execute(
                update(Outgoing).where(Outgoing.id.in_(ids)).values(claimed_by=owner, claimed_until=now + lease)
            )
    return [Claimed(*r) for r in rows]


# Built once, on the table rather than the mapped class: an ORM-enabled UPDATE
# per delivered message cost a third of the send loop (benchmark 3's profile).
_outgoing = cast(Table, Outgoing.__table__)
_MARK_SENT = (
    update(_outgoing)
    .where(_outgoing.c.id == bindparam("row_id"))
    .values(
        status="sent",
        sent_at=bindparam("now"),
        attempts=_outgoing.c.attempts + 1,
        last_error="",
        last_code=250,
        claimed_by="",
        claimed_until=None,
        next_attempt_at=None,
    )
)


def mark_sent(writer: StatementWriter, row_id: int, now: dt.datetime) -> None:
    """The server accepted the message: record it at once, in its own transaction."""
    writer.execute(_MARK_SENT, {"row_id": row_id, "now": now})


def withdrawn(url: str, ids: list[int]) -> set[int]:
    """Which of these claimed rows are no longer queued: a cancel (`mln bulletin cancel`) took them back."""
    if not ids:
        return set()
    with transaction(url, readonly=True) as session:
        query = select(Outgoing.id).where(Outgoing.id.in_(ids), Outgoing.status != "queued")
        return set(session.scalars(query))


def unclaim(row: Outgoing) -> None:
    """Let go of one row inside the caller's transaction (it was deferred or failed)."""
    row.claimed_by = ""
    row.claimed_until = None


def renew_claims(url: str, owner: str, until: dt.datetime) -> None:
    """Extend `owner`'s claims on the rows it still holds."""
    with transaction(url) as session:
        session.execute(
            update(Outgoing)
            .where(Outgoing.claimed_by == owner, Outgoing.status == "queued")
            .values(claimed_until=until)
        )


def release_claims(url: str, owner: str) -> None:
    with transaction(url) as session:
        session.execute(update(Outgoing).where(Outgoing.claimed_by == owner).values(claimed_by="", claimed_until=None))


# Claims of earlier runs in this (still living) process that could not be released
# because the database was unreachable; a living owner's claims would otherwise
# wait for their lease to run out.
_UNRELEASED: set[tuple[str, str]] = set()


def release_later(url: str, owner: str) -> None:
    """The database is gone as a run ends: release its claims at the next run in this process."""
    _UNRELEASED.add((url, owner))


def release_leftover_claims() -> None:
    """Release what `release_later` kept, as far as the database now allows."""
    for url, owner in sorted(_UNRELEASED):
        try:
            release_claims(url, owner)
        except DatabaseError as exc:  # still down: try again next time; the lease is the backstop
            log.warning("outbox: claims of %s still held: %s", owner, exc)
            continue
        _UNRELEASED.discard((url, owner))


__all__ = [
    "Claimed",
    "claim_batch",
    "count_due",
    "mark_sent",
    "release_claims",
    "release_later",
    "release_leftover_claims",
    "renew_claims",
    "unclaim",
    "withdrawn",
]
