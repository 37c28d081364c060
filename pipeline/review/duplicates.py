"""What the reviewer should know of a plan's other copies: a possible duplicate and why, the repeats
recorded against it, and what changed since the revision last approved (or the one before)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.review.changes import baseline, field_changes, summary_line
from pipeline.store.models import AuditEvent, Item, Submission


def plan_notes(session: Session, submission_id: int) -> dict[str, Any]:
    """possible_duplicate_of (File No) and duplicate_reason, repeats (count), changes_summary, for a queue row."""
    row = session.get(Submission, submission_id)
    if row is None:
        return {}
    other = session.get(Item, row.possible_duplicate_of_id) if row.possible_duplicate_of_id else None
    repeats = session.scalar(
        select(func.count()).where(AuditEvent.submission_id == row.id, AuditEvent.action == "repeat")
    )
    earlier = baseline(session, row)
    return {
        "possible_duplicate_of": other.file_no if other is not None else "",
        "duplicate_reason": row.duplicate_reason,
        "repeats": int(repeats or 0),
        "changes_summary": summary_line(field_changes(earlier, row)) if earlier is not None else "",
    }


def changes_since(session: Session, row: Submission) -> dict[str, Any] | None:
    """The field-by-field difference from the revision it is compared with, or None for a first revision."""
    earlier = baseline(session, row)
    if earlier is None:
        return None
    changes = field_changes(earlier, row)
    return {
        "compared_with": {"id": earlier.id, "revision": earlier.revision, "status": earlier.status},
        "fields": [c.as_dict() for c in changes],
        "emptied": [c.label for c in changes if c.emptied],
    }
