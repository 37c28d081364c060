"""Sends a person should know are waiting or under way: approved editions and copies still queued;
and, for one edition, where each of its copies stands (who already had a cancelled one)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from pipeline.config import Settings
from pipeline.errors import NotFound
from pipeline.outbound.approval_rules import ApprovalState, approvals_missing, held_back, when_shown
from pipeline.store.reader import Reader

Counts = dict[int, dict[str, dict[str, int]]]

# A bulletin approved and not yet queued, or with copies still queued.
_WAITING = "status = 'approved' OR id IN (SELECT bulletin_id FROM outgoing WHERE status = 'queued' AND bulletin_id IS NOT NULL)"


def waiting_sends(settings: Settings, reader: Reader) -> list[dict[str, Any]]:
    """One row per bulletin approved and not yet queued, or with copies still queued, oldest first.

    `copies` counts each audience's copies by status ({"internal": {"queued": 3, "sent": 5}}).
    Read through the driver, so that `mln status` shows them without SQLAlchemy.
    """
    bulletins = reader.rows(
        f"SELECT id, number, status, approvals, send_at FROM bulletins WHERE {_WAITING} ORDER BY number"
    )
    if not bulletins:
        return []
    grouped = reader.rows(
        "SELECT bulletin_id, audience, status, COUNT(*) AS n FROM outgoing "
        f"WHERE bulletin_id IN (SELECT id FROM bulletins WHERE {_WAITING}) GROUP BY bulletin_id, audience, status"
    )
    counts = _tally((r["bulletin_id"], r["audience"], r["status"], r["n"]) for r in grouped)
    return [_row(settings, b, counts.get(b["id"], {})) for b in bulletins]


def _tally(rows: Iterable[Sequence[Any]]) -> Counts:
    """{bulletin id: {audience: {status: copies}}} from (bulletin id, audience, status, count) rows."""
    counts: Counts = defaultdict(lambda: defaultdict(dict))
    for bulletin_id, audience, status, n in rows:
        counts[bulletin_id][audience or "-"][status] = n
    return counts


def _row(settings: Settings, bulletin: dict[str, Any], copies: dict[str, dict[str, int]]) -> dict[str, Any]:
    if bulletin["status"] == "approved":
        approval = ApprovalState(bulletin["id"], bulletin["status"], bulletin["approvals"], bulletin["send_at"])
        when = "next run" if settings.schedule.send_approved else f"when you run: mln bulletin send {approval.id}"
        state = "waiting"
        missing = approvals_missing(settings, approval)
        if missing:
            when = f"after {missing} more approval(s): mln bulletin approve {approval.id} --as NAME"
        elif approval.send_at is not None and held_back(settings, approval):  # its send-at time is still to come
            when = f"not before {when_shown(settings, approval.send_at)}"
    else:
        when, state = "now", "sending"
    return {
        "bulletin_id": bulletin["id"],
        "number": bulletin["number"],
        "state": state,
        "due": when,
        "copies": {audience: dict(by_status) for audience, by_status in sorted(copies.items())},
    }


COPY_STATES = ("queued", "sent", "failed", "cancelled")


def edition_copies(settings: Settings, bulletin_id: int, recipients: str | None = None) -> dict[str, Any]:
    """One edition and its copies by audience and status; with `recipients` (a status), who is in it.

    After a cancel this is the record of who already had the edition: the copies `sent`.
    """
    # The summary is made from the mapped Bulletin: only `mln bulletin copies` needs the models.
    from sqlalchemy import func, select

    from pipeline.outbound.bulletin.summary import summarise
    from pipeline.store.db import transaction
    from pipeline.store.models import Bulletin, Outgoing

    with transaction(settings.database.url, readonly=True) as session:
        bulletin = session.get(Bulletin, bulletin_id)
        if bulletin is None:
            raise NotFound(f"no bulletin {bulletin_id}; see `mln bulletin list`")
        grouped = session.execute(
            select(Outgoing.bulletin_id, Outgoing.audience, Outgoing.status, func.count())
            .where(Outgoing.bulletin_id == bulletin_id)
            .group_by(Outgoing.bulletin_id, Outgoing.audience, Outgoing.status)
        )
        counts = _tally(grouped).get(bulletin_id, {})
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
