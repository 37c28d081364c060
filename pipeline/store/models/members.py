"""Team leaders (members), the reminders sent to them, and runs of scheduled jobs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.store.models.base import Base, utcnow


class Member(Base):
    """A team leader: must send at least one improvement plan each period; may be a theme lead."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower case
    name: Mapped[str] = mapped_column(Text, default="")
    organisation: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str] = mapped_column(String(300), default="")
    themes: Mapped[list] = mapped_column(default=list)  # configured theme names they lead
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    reminders: Mapped[list[ReminderSent]] = relationship(back_populates="member", cascade="all, delete-orphan")


class ReminderSent(Base):
    """One reminder to one member for one period; the unique key makes a second one impossible."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("member_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    outgoing_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    member: Mapped[Member] = relationship(back_populates="reminders")


class JobRun(Base):
    """A scheduled job done once for one key (a period, a week), whichever worker did it.

    Inserted in the same transaction as the job's effect (the emails it queued),
    so a second worker's insert fails and its copy of the work is rolled back.
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(50))
    key: Mapped[str] = mapped_column(String(50))
    result: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
