"""What goes out: every message we send, and the per-address auto-reply counter."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.store.models.base import Base, utcnow

if TYPE_CHECKING:
    from pipeline.store.models.intake import Message


class Outgoing(Base):
    """One message to one recipient. Bulletin copies are unique per (bulletin, recipient)."""

    __tablename__ = "outgoing"
    __table_args__ = (
        UniqueConstraint("bulletin_id", "recipient"),
        Index("ix_outgoing_status_next", "status", "next_attempt_at"),
        # The sender's claims: queued rows in id order, and who holds a claim now.
        # Without them each claim sorted every queued row: quadratic in a 50,000 send.
        Index("ix_outgoing_status_id", "status", "id"),
        Index("ix_outgoing_status_claimed", "status", "claimed_until"),
        # A route's rolling 24-hour count: what it sent since a moment (pipeline/outbound/quota.py).
        Index("ix_outgoing_route_sent", "route", "sent_at"),
        Index("ix_outgoing_status_route", "status", "route"),  # queued rows not yet given a route
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # ack, reply, template, confirm, bulletin, notice ...
    recipient: Mapped[str] = mapped_column(String(320))
    envelope_from: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(998), default="")
    # The whole message as sent, for one-off mail. Bulletin copies leave this
    # empty: each is filled in from its audience's frozen rendition when spooled
    # (pipeline/mailing/copies.py), so 10,000 copies do not store 800 MB.
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    bulletin_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    audience: Mapped[str] = mapped_column(String(20), default="")  # which rendition a bulletin copy is filled from
    subscriber_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    source_message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    spool_name: Mapped[str] = mapped_column(String(300), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    # A sender's claim on a queued row (pipeline/outbound/smtp.py): "host:pid:token" and
    # until when; a claim past its time, or of a dead process on this host, lapses.
    claimed_by: Mapped[str] = mapped_column(String(200), default="")
    claimed_until: Mapped[dt.datetime | None]
    # The sending route ([[smtp.route]] name, "default" for [smtp]) chosen for a queued row
    # before it is claimed, kept once sent: what a route sent is what counts against its cap.
    route: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # SMTP reply code of the last attempt (0: none), e.g. 550 for a hard bounce.
    last_code: Mapped[int] = mapped_column(default=0)

    # The message this answers, which may be inserted by the same flush as this row.
    source_message: Mapped[Message | None] = relationship(foreign_keys=[source_message_pk])


class AutoReplyCount(Base):
    """How many automatic replies went to one address on one day (loop and abuse guard)."""

    __tablename__ = "auto_reply_counts"
    __table_args__ = (UniqueConstraint("address", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320))
    day: Mapped[dt.date]
    count: Mapped[int] = mapped_column(default=0)
