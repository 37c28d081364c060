"""Who receives the bulletin: subscribers, their lists, consent, bounces, complaints, used tokens, suppressions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.store.models.base import Base, utcnow


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
    # Editions in a row whose copy failed (soft failures); a hard one disables at once.
    bounce_score: Mapped[int] = mapped_column(default=0)
    last_bounce_at: Mapped[dt.datetime | None]

    memberships: Mapped[list[ListMembership]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", order_by="ListMembership.list_name"
    )
    consents: Mapped[list[ConsentRecord]] = relationship(cascade="all, delete-orphan", order_by="ConsentRecord.id")

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


class Bounce(Base):
    """A delivery failure counted against a subscriber: at most one per edition (bulletin).

    `kind` is "hard" (the report says the mailbox is gone: disabled at once) or "soft"
    (anything else that failed for good: disabled after `bounces.soft_editions` editions in a row).
    Failures of mail that is not a bulletin copy have no `bulletin_id` and count only when hard.
    """

    __tablename__ = "bounces"
    __table_args__ = (UniqueConstraint("subscriber_id", "bulletin_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    bulletin_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(10), default="soft")  # hard | soft
    source: Mapped[str] = mapped_column(String(30), default="")  # smtp | bounce
    status: Mapped[str] = mapped_column(String(20), default="")  # enhanced status code, e.g. 5.1.1
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Complaint(Base):
    """A feedback report (RFC 5965) saying a reader marked a copy as spam.

    Kept after the subscriber is forgotten (subscriber_id becomes NULL) so the
    complaints per edition still add up.
    """

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="SET NULL"), index=True)
    bulletin_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    feedback_type: Mapped[str] = mapped_column(String(40), default="abuse")
    reporter: Mapped[str] = mapped_column(String(200), default="")  # the report's User-Agent / From domain
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ConsentRecord(Base):
    """One act of consent (or of the lead vouching for it): when, how, on what basis and wording."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    list_name: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(30))  # confirmed | added | imported | withdrawn
    lawful_basis: Mapped[str] = mapped_column(String(40))  # consent | legitimate-interests
    source: Mapped[str] = mapped_column(String(30))  # email-reply | web-form | import | cli
    source_detail: Mapped[str] = mapped_column(Text, default="")  # file name, who added them, Message-ID
    wording_version: Mapped[str] = mapped_column(String(100), default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class UsedToken(Base):
    """A signed token that has been used once and must not work again."""

    __tablename__ = "used_tokens"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    used_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Suppression(Base):
    """An address that must not be mailed or re-added: the SHA-256 of the normalised address only.

    It outlives the subscriber (`mln subscribers forget`), so no import brings them back.
    """

    __tablename__ = "suppressions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    reason: Mapped[str] = mapped_column(String(30))  # unsubscribed | complaint | forgotten | requested
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
