"""What came in: mailbox positions, every fetched message, and its attachments."""

from __future__ import annotations

import datetime as dt
import zlib

from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.store.models.base import Base, utcnow

# Files that are compressed already: zip containers (.docx .xlsx .odt ...), PNG, JPEG, GIF, gzip.
_COMPRESSED_MAGIC = (b"PK\x03\x04", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b")


def deflate(data: bytes) -> bytes:
    """zlib data, as `raw` and `data` are stored, made quickly.

    Level 1: a mail's bulk is base64, which level 6 shrinks hardly more, at several
    times the cost (it was a tenth of the time spent on a 200 KB message). Files that
    are compressed already are stored in zlib's own uncompressed blocks (level 0).
    Any level reads back with zlib.decompress, so rows written earlier are unaffected.
    """
    return zlib.compress(data, 0 if data.startswith(_COMPRESSED_MAGIC) else 1)


class MailboxState(Base):
    """How far we have read one folder: its UIDVALIDITY and the highest UID recorded."""

    __tablename__ = "mailbox_state"
    __table_args__ = (UniqueConstraint("mailbox", "folder"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(500))
    folder: Mapped[str] = mapped_column(String(500))
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    # The last UID of a group of messages being handled in one transaction; left
    # above last_uid only when a crash cut that group short.
    group_through: Mapped[int] = mapped_column(BigInteger, default=0)
    last_poll_at: Mapped[dt.datetime | None]
    last_poll_seconds: Mapped[float | None]


class Message(Base):
    """One fetched message, its routing, its outcome and its raw bytes (compressed)."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("mailbox", "folder", "location"),
        Index("ix_messages_dedupe", "message_id", "sha256"),
        Index("ix_messages_action_pending", "mailbox", "folder", "action_done"),
        Index("ix_messages_outcome", "outcome"),
        Index("ix_messages_from_addr", "from_addr"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(500))
    folder: Mapped[str] = mapped_column(String(500))
    # Where the message sits now: "UIDVALIDITY/UID" for IMAP, the key for a Maildir.
    location: Mapped[str] = mapped_column(String(300))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    message_id: Mapped[str] = mapped_column(String(998), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    from_addr: Mapped[str] = mapped_column(String(320), default="")
    from_name: Mapped[str] = mapped_column(String(500), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    date_header: Mapped[dt.datetime | None]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    in_reply_to: Mapped[str] = mapped_column(String(998), default="")
    references: Mapped[str] = mapped_column(Text, default="")
    auto_submitted: Mapped[bool] = mapped_column(default=False)
    rule: Mapped[str] = mapped_column(String(200), default="")
    rule_hits: Mapped[list] = mapped_column(default=list)
    handler: Mapped[str] = mapped_column(String(100), default="")
    outcome: Mapped[str] = mapped_column(String(20), default="processed")
    reason: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    # The mailbox action decided for this message, done only after commit.
    action: Mapped[str] = mapped_column(String(20), default="move")
    action_target: Mapped[str] = mapped_column(String(500), default="")
    flags: Mapped[str] = mapped_column(String(500), default="")
    action_done: Mapped[bool] = mapped_column(default=False)
    # The folder a later action takes the message from: "" = `folder`, where it was fetched.
    # A held message that a person releases or discards sits in Held by then
    # (pipeline/intake/refile.py finds it there again by Message-ID, size and SHA-256).
    action_from: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # Which poller may perform the action ("host:pid:nonce"), so two pollers never
    # move the same message (concurrent UID MOVEs can leave two copies).
    action_claim: Mapped[str] = mapped_column(String(200), default="")
    action_claimed_at: Mapped[dt.datetime | None]
    retries: Mapped[int] = mapped_column(default=0)
    raw_compressed: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    attachments: Mapped[list[Attachment]] = relationship(back_populates="message", cascade="all, delete-orphan")

    @property
    def raw(self) -> bytes:
        return zlib.decompress(self.raw_compressed)

    @raw.setter
    def raw(self, data: bytes) -> None:
        self.raw_compressed = deflate(data)


class Attachment(Base):
    """An attachment kept from a message, so a submitted form can always be retrieved."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(500), default="")
    content_type: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    data_compressed: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    message: Mapped[Message] = relationship(back_populates="attachments")

    @property
    def data(self) -> bytes:
        return zlib.decompress(self.data_compressed)

    @data.setter
    def data(self, value: bytes) -> None:
        self.data_compressed = deflate(value)
