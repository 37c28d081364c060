"""The review trail: who did what to a submission, and when."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.store.models.base import Base, utcnow

# What is recorded. "edit" carries {"changes": {field: [old, new]}}; "resent" (by the intake, when a
# corrected form replaces one that needed changes) carries {"earlier": what it replaced}; "repeat" (the same
# plan received again, no new revision) and "asked" (a chaser answered with the status) carry the message;
# "merge" and "keep_separate" settle a possible duplicate (pipeline/review/merge.py).


class AuditEvent(Base):
    """One review action on one submission: never updated, never deleted."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_submission_at", "submission_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    detail: Mapped[dict] = mapped_column(default=dict)  # reason, message, changes, outgoing id ...
