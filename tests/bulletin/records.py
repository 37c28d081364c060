"""Approved submissions in a real database, made with the real models (for the draft tests)."""

from __future__ import annotations

import datetime as dt
import itertools

from pipeline.store.db import transaction
from pipeline.store.models import Item, Submission

UTC = dt.UTC
_sequence = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def add_submission(
    url: str,
    title: str,
    approved: dt.datetime | None,
    *,
    status: str = "approved",
    theme: str = "Care Homes / Housing / Home Care / Day Services",
    item_of: int | None = None,
    share: bool = True,
    progress: str = "Being implemented",
    lead_email: str = "angela.dunmore@example.org",
) -> int:
    """One submission; `item_of` makes it an update (next revision) of that submission's item."""
    with transaction(url) as session:
        if item_of is None:
            n = next(_sequence)
            item = Item(file_no=f"CH-2026-{n:03d}", theme_code="CH", year=2026, sequence=n)
            session.add(item)
            revision, is_update = 1, False
        else:
            item = session.get(Submission, item_of).item
            revision, is_update = len(item.submissions) + 1, True
        row = Submission(
            item=item,
            revision=revision,
            is_update=is_update,
            status=status,
            title=title,
            theme=theme,
            theme_number=6,
            locality="Barnsley",
            region="Yorkshire & Humber",
            organisation="Barnsley Care Homes Forum (example)",
            lead_name="Angela Dunmore",
            lead_email=lead_email,
            progress=progress,
            date_commenced=dt.date(2026, 6, 1),
            date_commenced_precision="month",
            summary="Six modules for care home staff, from recognising depression to working with families.",
            link="https://mln.example.org/index/ch",
            share_externally=share,
            sender=lead_email,
            received_at=(approved or at(2026, 11, 2)) - dt.timedelta(days=3),
        )
        session.add(row)
        session.flush()
        if approved is not None:
            _record_approval(session, row, approved)
        return row.id


def _record_approval(session, row: Submission, when: dt.datetime) -> None:
    """As the review queue records an approval, in whichever form this build has."""
    if hasattr(Submission, "approved_at"):
        row.approved_at = when
        return
    try:
        from pipeline.store.models.review import AuditEvent
    except ImportError:
        row.received_at = when  # no review trail yet: the received time stands in
        return
    session.add(AuditEvent(submission_id=row.id, action="approve", actor="comms-lead", at=when))


def edit_submission(url: str, submission_id: int, **values: object) -> None:
    with transaction(url) as session:
        row = session.get(Submission, submission_id)
        for name, value in values.items():
            setattr(row, name, value)
