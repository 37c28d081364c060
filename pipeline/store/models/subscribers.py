"""Who receives the bulletin: subscribers, their lists, their bounces, used tokens, forgotten addresses."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.store.models.base import Base, utcnow

SUBSCRIBER_STATUSES = ("pending", "active", "unsubscribed", "disabled")


class Subscriber(Base):
    """One reader of the bulletin, with the record of how they joined (consent) and their bounces."""

    __tablename__ = "subscribers"
    # Ids are never reused (SQLite AUTOINCREMENT; PostgreSQL's sequence never goes back):
    # signed tokens name a subscriber by id, and one kept from a forgotten subscriber must
    # not name the next person added.
    __table_args__ = (Index("ix_subscribers_status", "status"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower case
    name: Mapped[str] = mapped_column(String(500), default="")
    organisation: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # Consent: how and when they asked, confirmed and (if moderated) were approved.
    joined_via: Mapped[str] = mapped_column(String(30), default="")  # email | import | cli | web
    joined_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(320), default="")  # who asked, when not themselves
    request_message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    confirmed_at: Mapped[dt.datetime | None]
    confirmed_via: Mapped[str] = mapped_column(String(30), default="")
    confirm_message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    awaiting_approval: Mapped[bool] = mapped_column(default=False)
    approved_at: Mapped[dt.datetime | None]
    confirmation_sent_at: Mapped[dt.datetime | None]
    unsubscribed_at: Mapped[dt.datetime | None]
    unsubscribed_via: Mapped[str] = mapped_column(String(30), default="")
    disabled_at: Mapped[dt.datetime | None]
    disabled_reason: Mapped[str] = mapped_column(Text, default="")
    bounce_score: Mapped[int] = mapped_column(default=0)
    last_bounce_at: Mapped[dt.datetime | None]

    memberships: Mapped[list[ListMembership]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", order_by="ListMembership.list_name"
    )

    @property
    def lists(self) -> list[str]:
        return [m.list_name for m in self.memberships]


class ListMembership(Base):
    """A subscriber is on a list (internal, external, ...)."""

    __tablename__ = "list_memberships"
    __table_args__ = (UniqueConstraint("subscriber_id", "list_name"), Index("ix_list_memberships_list", "list_name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    list_name: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # False until the address owner confirms this list (a join by email); the bulletin
    # goes only to confirmed memberships of active subscribers.
    confirmed: Mapped[bool] = mapped_column(default=True)

    subscriber: Mapped[Subscriber] = relationship(back_populates="memberships")


class BounceDay(Base):
    """A day on which a subscriber hard-bounced: at most one point per day counts."""

    __tablename__ = "bounce_days"
    __table_args__ = (UniqueConstraint("subscriber_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    day: Mapped[dt.date]
    source: Mapped[str] = mapped_column(String(30), default="")  # smtp | dsn | verp
    detail: Mapped[str] = mapped_column(Text, default="")


class UsedToken(Base):
    """A signed token that has been used once and must not work again."""

    __tablename__ = "used_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    used_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ForgottenAddress(Base):
    """All that remains of a forgotten subscriber: a salted hash, so no import brings them back."""

    __tablename__ = "forgotten_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    salt: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64))
    forgotten_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
