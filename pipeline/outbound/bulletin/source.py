"""Where bulletin items come from: approved submissions (pipeline/store/models/submissions.py).

Everything this package knows about the shape of a submission is in this one
module, so a change to that model means a change here only.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from pipeline.errors import MlnError
from pipeline.outbound.bulletin.content import PRECISIONS, STATUSES, BulletinItem, ItemDate
from pipeline.periods import Period


class SubmissionsUnavailable(MlnError):
    """The submissions model is not installed in this build."""


def _submission_model() -> Any:
    try:
        from pipeline.store.models import submissions
    except ImportError:  # built before the review queue; say so instead of a traceback
        raise SubmissionsUnavailable("this build has no submissions yet (pipeline/store/models/submissions.py); nothing to draft from") from None
    return submissions.Submission


def _audit_model() -> Any:
    try:
        from pipeline.store.models import review
    except ImportError:
        return None
    return getattr(review, "AuditEvent", None)


def period_bounds(period: Period, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The period as aware UTC instants [start, end), midnight to midnight in the network's time zone."""
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(period.start, dt.time(), zone)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), zone)
    return start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc)


def approval_time(model: Any) -> tuple[Any, Any]:
    """When each submission was approved, as (SQL expression, subquery to outer-join or None).

    Preference: a `Submission.approved_at` column; else the latest "approve" event
    of the review trail (models/review.py); else the time it was received.
    """
    column = getattr(model, "approved_at", None)
    if column is not None:
        return column, None
    audit = _audit_model()
    if audit is None:
        return model.received_at, None
    approvals = (
        select(audit.submission_id.label("submission_id"), func.max(audit.at).label("approved_at"))
        .where(audit.action == "approve")
        .group_by(audit.submission_id)
        .subquery()
    )
    return func.coalesce(approvals.c.approved_at, model.received_at), approvals


def approved_submissions(session: Session, since: dt.datetime, until: dt.datetime, exclude_ids: Iterable[int] = ()) -> list[Any]:
    """Submissions approved in [since, until), oldest approval first, minus `exclude_ids`."""
    model = _submission_model()
    approved, approvals = approval_time(model)
    query = select(model).options(selectinload(model.item))  # file_no comes from the item
    if approvals is not None:
        query = query.outerjoin(approvals, approvals.c.submission_id == model.id)
    query = query.where(model.status == "approved", approved >= since, approved < until).order_by(approved, model.id)
    excluded = set(exclude_ids)
    return [row for row in session.scalars(query) if row.id not in excluded]


def submissions_by_id(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    model = _submission_model()
    if not ids:
        return {}
    query = select(model).options(selectinload(model.item)).where(model.id.in_(list(ids)))
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
