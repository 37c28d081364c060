"""Network meetings that differ from the rule: a regular meeting moved or cancelled, or an extra one.

The rule itself ([meetings] in the config) is not stored: only its exceptions are.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.store.models.base import Base, utcnow


class MeetingChange(Base):
    """One exception to the meeting rule; empty text fields mean "as configured"."""

    __tablename__ = "meeting_changes"
    # One row per regular meeting (regular_day); extra meetings have none, so any number of them.
    __table_args__ = (UniqueConstraint("regular_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    regular_day: Mapped[dt.date | None]  # the rule's date this row changes; None: an extra meeting
    day: Mapped[dt.date] = mapped_column(index=True)  # when it is held (the regular day if cancelled)
    start_time: Mapped[str] = mapped_column(String(5), default="")  # "HH:MM", local time
    duration_minutes: Mapped[int | None]
    title: Mapped[str] = mapped_column(Text, default="")
    venue: Mapped[str] = mapped_column(Text, default="")
    join_url: Mapped[str] = mapped_column(Text, default="")
    cancelled: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    # iCalendar SEQUENCE: raised on every change, so calendars that imported the meeting update it.
    sequence: Mapped[int] = mapped_column(default=1)
    changed_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
