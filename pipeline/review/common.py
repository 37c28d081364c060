"""Helpers shared by the review modules: loading and locking one submission, recording an audit event."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pipeline.errors import NotFound

if TYPE_CHECKING:  # the read commands import `iso` and `when` without SQLAlchemy
    from sqlalchemy.orm import Session

    from pipeline.store.models import AuditEvent, Submission


def get_submission(session: Session, submission_id: int, lock: bool = False) -> Submission:
    """The submission, locked FOR UPDATE on PostgreSQL when `lock` (SQLite's BEGIN IMMEDIATE already serialises writers)."""
    from pipeline.store.models import Submission

    row = session.get(Submission, submission_id, with_for_update=lock or None, populate_existing=lock)
    if row is None:
        raise NotFound(f"no submission with id {submission_id}; see `mln queue --status all`")
    return row


def record(session: Session, row: Submission, action: str, actor: str, **detail: Any) -> AuditEvent:
    from pipeline.store.models import AuditEvent, utcnow

    event = AuditEvent(submission_id=row.id, action=action, actor=actor, at=utcnow(), detail=detail)
    session.add(event)
    return event


def when(value: dt.datetime | None) -> str:
    """A time for a person: '2026-11-24 10:31 UTC'."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "an unknown time"


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None
