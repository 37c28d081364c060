"""Bulletins: one row per issue, the items it carries, and its frozen renderings."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.store.models.base import Base, utcnow


class Bulletin(Base):
    """One issue of the bulletin. A draft is rendered live; an approved one is frozen."""

    __tablename__ = "bulletins"
    __table_args__ = (
        UniqueConstraint("number"),
        UniqueConstraint("period_start"),
        Index("ix_bulletins_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int]
    period_start: Mapped[dt.date]
    period_months: Mapped[int] = mapped_column(default=2)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    subject: Mapped[str] = mapped_column(Text, default="")
    intro: Mapped[str] = mapped_column(Text, default="")
    # The first day meetings are listed from (the draft's date), so a re-render is stable.
    meetings_from: Mapped[dt.date | None]
    # What the approved issue was made from (BulletinContent as JSON), for audit and re-sends.
    content: Mapped[dict | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[dt.datetime | None]
    approved_by: Mapped[str] = mapped_column(String(200), default="")
    sent_at: Mapped[dt.datetime | None]
    # Why it was approved although empty for an audience or early (`approve --force --reason`).
    forced_reason: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[dt.datetime | None]
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # Who approved it and when ([{"by": ..., "at": ...}]): [bulletin] approvals = 2 needs two people.
    approvals: Mapped[list] = mapped_column(default=list)
    # `approve --send-at`: no scheduled send queues it before this time.
    send_at: Mapped[dt.datetime | None]
    # `mln bulletin test` copies ([{"to", "audience", "by", "at", "message_id"}]): never deliveries.
    test_sends: Mapped[list] = mapped_column(default=list)
    # Each audience's introduction when it differs from `intro` ({"external": "..."}).
    audience_intros: Mapped[dict] = mapped_column(default=dict)

    entries: Mapped[list[BulletinEntry]] = relationship(
        back_populates="bulletin", cascade="all, delete-orphan", order_by="BulletinEntry.position"
    )
    renditions: Mapped[list[BulletinRendition]] = relationship(back_populates="bulletin", cascade="all, delete-orphan")


class BulletinEntry(Base):
    """One approved submission carried by a bulletin (a new item or an update)."""

    __tablename__ = "bulletin_entries"
    __table_args__ = (UniqueConstraint("bulletin_id", "submission_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[int] = mapped_column(BigInteger, index=True)
    file_no: Mapped[str] = mapped_column(String(100), default="")
    is_update: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    # The item as shown (BulletinItem as JSON), filled at approval: later edits do not change it.
    snapshot: Mapped[dict | None]

    bulletin: Mapped[Bulletin] = relationship(back_populates="entries")


class BulletinRendition(Base):
    """The HTML and text one audience receives, stored at approval (placeholders not yet filled)."""

    __tablename__ = "bulletin_renditions"
    __table_args__ = (UniqueConstraint("bulletin_id", "audience"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"), index=True)
    audience: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str] = mapped_column(Text, default="", deferred=True)
    text: Mapped[str] = mapped_column(Text, default="", deferred=True)
    html_bytes: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[list] = mapped_column(default=list)
    rendered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    bulletin: Mapped[Bulletin] = relationship(back_populates="renditions")
