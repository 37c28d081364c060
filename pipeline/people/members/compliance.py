"""Who has reported what in each period: per member and per region (`mln report compliance`).

A member has reported in a period when a submission received in it came from
their address, or names them as lead contact. Every review status counts: the
reminder is about sending, not about being approved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from pipeline.config import Settings
from pipeline.localtime import period_bounds, shown
from pipeline.people.members.registry import list_members
from pipeline.periods import Period
from pipeline.store.db import transaction
from pipeline.store.models import Member, ReminderSent, Submission


def submissions_by_member(
    session: Session, settings: Settings, period: Period, emails: Iterable[str]
) -> dict[str, list[Submission]]:
    """Each address -> the submissions received in `period` that it sent or leads."""
    emails = {e.lower() for e in emails}
    if not emails:
        return {}
    start, end = period_bounds(settings, period)
    rows = session.scalars(
        select(Submission)
        .options(selectinload(Submission.item))
        .where(
            Submission.received_at >= start,
            Submission.received_at < end,
            or_(Submission.sender.in_(emails), Submission.lead_email.in_(emails)),
        )
        .order_by(Submission.received_at)
    )
    found: dict[str, list[Submission]] = defaultdict(list)
    for row in rows:
        for email in {row.sender.lower(), row.lead_email.lower()} & emails:
            found[email].append(row)
    return found


def compliance_report(settings: Settings, periods: list[Period]) -> list[dict[str, Any]]:
    """One entry per period: its members (with what they sent) and a line per region."""
    with transaction(settings.database.url, readonly=True) as session:
        members = list_members(session)
        return [_period_report(session, settings, period, members) for period in periods]


def _period_report(session: Session, settings: Settings, period: Period, members: list[Member]) -> dict[str, Any]:
    sent = submissions_by_member(session, settings, period, [m.email for m in members])
    reminded = dict(
        session.execute(
            select(ReminderSent.member_id, ReminderSent.sent_at).where(ReminderSent.period_start == period.start)
        ).all()
    )
    rows = [_member_row(settings, m, sent.get(m.email, []), reminded.get(m.id)) for m in members]
    return {
        "period": period.key,
        "label": period.label,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "members": rows,
        "regions": _regions(rows),
        "total": {"members": len(rows), "submitted": sum(1 for r in rows if r["submitted"])},
    }


def _member_row(settings: Settings, member: Member, submissions: list[Submission], reminded_at) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {
        "email": member.email,
        "name": member.name,
        "organisation": member.organisation,
        "region": member.region,
        "submitted": len(submissions),
        "submissions": [
            {
                "id": s.id,
                "file_no": s.file_no,
                "title": s.title,
                "theme": s.theme,
                "status": s.status,
                "received_at": shown(settings, s.received_at),
            }
            for s in submissions
        ],
        "reminded_at": shown(settings, reminded_at),
    }


def _regions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    totals: dict[str, dict[str, int]] = {}
    for row in rows:
        line = totals.setdefault(row["region"] or "(no region)", {"members": 0, "submitted": 0, "submissions": 0})
        line["members"] += 1
        line["submitted"] += 1 if row["submitted"] else 0
        line["submissions"] += row["submitted"]
    return [
        {"region": name, **counts, "missing": counts["members"] - counts["submitted"]}
        for name, counts in sorted(totals.items())
    ]
