"""The suppression list: addresses that asked not to be mailed, kept as SHA-256 hashes.

ICO guidance: keep opted-out addresses on a suppression list rather than forgetting
them in a way that lets an import bring them back. An address goes on it when its owner
leaves (by email, one-click or the web), complains (a spam report), or asks to be
forgotten (`mln subscribers forget`: the row goes, the hash stays); the lead may add one
(`mln subscribers suppress`). Only the hash of the normalised address is stored.

Who may take an address off: only its owner, by a join request from that address that
they then confirm from that address (pipeline/people/subscribers/joining.py). The lead
cannot add, import or un-suppress it; someone else's join request for it is refused.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.errors import Suppressed
from pipeline.store.models import Suppression, utcnow

REASONS = ("unsubscribed", "complaint", "forgotten", "requested")


def address_digest(address: str) -> str:
    """SHA-256 (hex) of the address, trimmed and lower-cased."""
    return hashlib.sha256(address.strip().strip("<>").strip().lower().encode("utf-8")).hexdigest()


def find_suppression(session: Session, address: str) -> Suppression | None:
    return session.get(Suppression, address_digest(address))


def is_suppressed(session: Session, address: str) -> bool:
    return find_suppression(session, address) is not None


def suppress(session: Session, address: str, reason: str, detail: str = "") -> Suppression:
    """Put an address on the list; an address already on it keeps its first reason and time."""
    if reason not in REASONS:
        raise ValueError(f"unknown suppression reason {reason!r}")
    found = find_suppression(session, address)
    if found is not None:
        return found
    row = Suppression(digest=address_digest(address), reason=reason, detail=detail[:2000], at=utcnow())
    session.add(row)
    session.flush()
    return row


def lift_suppression(session: Session, address: str) -> bool:
    """Take an address off the list (only the confirm flow calls this); whether it was on it."""
    found = find_suppression(session, address)
    if found is not None:
        session.delete(found)
    return found is not None


def refuse_if_suppressed(session: Session, address: str) -> None:
    """Raise Suppressed, saying why and what the owner can do, when the address is on the list."""
    found = find_suppression(session, address)
    if found is None:
        return
    raise Suppressed(
        f"{address} is on the suppression list ({_why(found.reason)} on {found.at:%d %B %Y}); "
        "it cannot be added or imported. Only they can rejoin, by writing from that address and confirming"
    )


def _why(reason: str) -> str:
    return {
        "unsubscribed": "they unsubscribed",
        "complaint": "they reported the bulletin as spam",
        "forgotten": "they asked to be forgotten",
        "requested": "they asked not to be mailed",
    }.get(reason, reason)


def suppression_list(session: Session) -> list[dict]:
    """Every suppressed hash with its reason and time, newest first."""
    rows = session.scalars(select(Suppression).order_by(Suppression.at.desc(), Suppression.digest))
    return [{"sha256": r.digest, "reason": r.reason, "at": r.at.isoformat(timespec="seconds")} for r in rows]
