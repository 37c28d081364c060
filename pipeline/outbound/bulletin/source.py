"""Where bulletin items come from: approved submissions (pipeline/store/models/submissions.py).

Everything this package knows about the shape of a submission is in this one
module, so a change to that model means a change here only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from pipeline.outbound.bulletin.content import PRECISIONS, STATUSES, BulletinItem, ItemDate
from pipeline.periods import Period
from pipeline.store.models import Submission


def period_bounds(period: Period, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware UTC instants [start, end), midnight to midnight in the network's time zone."""
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(period.start, dt.time(), zone)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def approved_submissions(
    session: Session, since: dt.datetime, until: dt.datetime, exclude_ids: Iterable[int] = ()
) -> list[Any]:
    """Submissions approved in [since, until), oldest approval first, minus `exclude_ids`."""
    approved = Submission.approved_at
    query = (
        select(Submission)
        .options(selectinload(Submission.item))  # file_no comes from the item
        .where(Submission.status == "approved", approved >= since, approved < until)
        .order_by(approved, Submission.id)
    )
    excluded = set(exclude_ids)
    return [row for row in session.scalars(query) if row.id not in excluded]


def submissions_by_id(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    if not ids:
        return {}
    query = select(Submission).options(selectinload(Submission.item)).where(Submission.id.in_(list(ids)))
    return {row.id: row for row in session.scalars(query)}


def latest_per_file_no(rows: Sequence[Any]) -> list[tuple[Any, bool]]:
    """One (submission, is_update) per File No: the latest approved revision.

    An item first sent in this period counts as new even if an update of it was
    approved later in the same period.
    """
    latest: dict[str, Any] = {}
    new_here: set[str] = set()
    for row in rows:  # oldest approval first
        key = row.file_no or f"#{row.id}"
        latest[key] = row
        if not _is_update(row):
            new_here.add(key)
    return [(row, key not in new_here) for key, row in latest.items()]


def item_from_submission(row: Any, is_update: bool | None = None) -> BulletinItem:
    """The bulletin's view of one submission."""
    return BulletinItem(
        file_no=row.file_no or "",
        title=row.title or "",
        theme=row.theme or "",
        locality=row.locality or "",
        region=row.region or "",
        organisation=row.organisation or "",
        lead_name=row.lead_name or "",
        lead_email=row.lead_email or "",
        status=_progress(row),
        summary=row.summary or "",
        commenced=_date(row, "date_commenced"),
        updated=_date(row, "date_updated"),
        completion=_date(row, "completion_date"),
        completion_note=getattr(row, "completion_note", "") or "",
        link=row.link or "",
        share_externally=bool(row.share_externally),
        is_update=_is_update(row) if is_update is None else is_update,
    )


def _is_update(row: Any) -> bool:
    return bool(getattr(row, "is_update", False))


def _progress(row: Any) -> str:
    # The review status (pending/approved/...) is `status`; the practice's own
    # Planned / Being implemented / Implemented lives in its own column.
    value = getattr(row, "progress", None) or ""
    return value if value in STATUSES else (value or "Planned")


def _date(row: Any, name: str) -> ItemDate | None:
    value = getattr(row, name, None)
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    precision = getattr(row, f"{name}_precision", None) or "month"
    planned = bool(getattr(row, f"{name}_planned", False))
    return ItemDate(value, precision if precision in PRECISIONS else "month", planned)
