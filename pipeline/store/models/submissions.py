"""Submitted improvement plans: an Item (one improvement, one File No) and its Submissions (revisions).

A new form creates an Item with the next File No for its theme and year
("CH-2026-014") and revision 1. A form quoting that File No is an update:
revision 2, 3 ... of the same Item; every revision is kept. `status` is the
review state; the form's own Status field (Planned / Being implemented /
Implemented) is `progress`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.store.models.base import Base, utcnow

if TYPE_CHECKING:
    from pipeline.store.models.intake import Attachment, Message
    from pipeline.store.models.outgoing import Outgoing
    from pipeline.templates_io.dates import LooseDate


class FileNoSequence(Base):
    """The last sequence number issued per theme code and year.

    Incremented with UPDATE ... SET last = last + 1, whose row lock makes a
    second worker on PostgreSQL wait for the first to commit; SQLite writers
    are serialised by BEGIN IMMEDIATE.
    """

    __tablename__ = "file_no_sequences"
    __table_args__ = (UniqueConstraint("theme_code", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_code: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    last: Mapped[int] = mapped_column(default=0)


class Item(Base):
    """One improvement, known by its File No, across all its revisions."""

    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_no: Mapped[str] = mapped_column(String(40), unique=True)
    theme_code: Mapped[str] = mapped_column(String(20))
    year: Mapped[int]
    sequence: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when a reviewer merged this plan into another (`mln merge`): its File No then names that one.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))

    submissions: Mapped[list[Submission]] = relationship(
        back_populates="item", order_by="Submission.revision", foreign_keys="Submission.item_id"
    )


class Submission(Base):
    """One received form: every canonical field as a column, its review status and the problems found."""

    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("item_id", "revision"),
        Index("ix_submissions_status_received", "status", "received_at"),
        Index("ix_submissions_received_at", "received_at"),
        Index("ix_submissions_theme_number", "theme_number"),
        Index("ix_submissions_lead_email", "lead_email"),
        Index("ix_submissions_status_approved", "status", "approved_at"),
        Index("ix_submissions_content_hash", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None when the form could not be filed (no valid theme, or an unknown File No quoted).
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    revision: Mapped[int | None]
    is_update: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    problems: Mapped[list] = mapped_column(default=list)
    file_no_given: Mapped[str] = mapped_column(String(60), default="")

    title: Mapped[str] = mapped_column(Text, default="")
    theme: Mapped[str] = mapped_column(
        String(300), default=""
    )  # the configured name, or the text as written if unknown
    theme_number: Mapped[int | None]
    locality: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str] = mapped_column(String(300), default="")
    organisation: Mapped[str] = mapped_column(Text, default="")
    organisation_type: Mapped[str] = mapped_column(String(300), default="")
    lead_name: Mapped[str] = mapped_column(Text, default="")
    lead_email: Mapped[str] = mapped_column(String(320), default="")
    progress: Mapped[str] = mapped_column(String(40), default="")  # the form's Status field
    date_commenced: Mapped[dt.date | None] = mapped_column(Date)
    # How precise the member was: day | month | quarter ("Q2 2025/26": the date is the quarter's first day).
    date_commenced_precision: Mapped[str] = mapped_column(String(10), default="")
    date_commenced_planned: Mapped[bool] = mapped_column(default=False)  # "To commence Oct 06"
    date_updated: Mapped[dt.date | None] = mapped_column(Date)
    date_updated_precision: Mapped[str] = mapped_column(String(10), default="")
    completion_date: Mapped[dt.date | None] = mapped_column(Date)
    completion_date_precision: Mapped[str] = mapped_column(String(10), default="")
    completion_note: Mapped[str] = mapped_column(Text, default="")  # words in the date box, e.g. "up and running"
    summary: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    outcomes: Mapped[str] = mapped_column(Text, default="")
    learning: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(Text, default="")
    # Consent, three-state: True only for a clear yes; False for a no; None when not answered or unclear.
    # Only True lets the plan and its contact details into the external edition and site.
    share_externally: Mapped[bool | None]
    raw_fields: Mapped[dict] = mapped_column(default=dict)  # every field exactly as written, for the reviewer
    # SHA-256 of the read fields, normalised (case, spaces): the same plan resent in any format has the same hash.
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    # A plan that may be one already filed, not certainly (pipeline/intake/same_plan.py): the reviewer
    # merges it (`mln merge`) or keeps it separate (`mln keep-separate`), which clears both.
    possible_duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    duplicate_reason: Mapped[str] = mapped_column(Text, default="")

    # The plan's author: for a forward, the person who wrote the forwarded message, not the forwarder.
    sender: Mapped[str] = mapped_column(String(320), default="")
    sender_name: Mapped[str] = mapped_column(String(500), default="")
    forwarded_by: Mapped[str] = mapped_column(String(320), default="")  # who forwarded it to us, if someone did
    unknown_sender: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(500), default="")  # attachment file name, or "message body"
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"), index=True)
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"), index=True)
    reply_id: Mapped[int | None] = mapped_column(BigInteger)  # the Outgoing row that answered it, if one was sent
    # The last review decision (approve / reject / request changes), for "already approved by X at T".
    reviewed_by: Mapped[str] = mapped_column(String(200), default="")
    reviewed_at: Mapped[dt.datetime | None]
    approved_at: Mapped[dt.datetime | None]  # when it entered the index; the bulletin selects by it
    # Bumped by the database itself on every UPDATE of the row (pipeline/store/triggers.py), so a page
    # built from this revision can tell it is still current without reading it whole (the site build).
    change_count: Mapped[int] = mapped_column(default=0, server_default="0")

    item: Mapped[Item | None] = relationship(back_populates="submissions", foreign_keys=[item_id])
    # So a new submission, its attachment and its reply are inserted by one flush, in order
    # (no columns of their own: attachment_id and reply_id above).
    attachment: Mapped[Attachment | None] = relationship()
    reply: Mapped[Outgoing | None] = relationship(primaryjoin="foreign(Submission.reply_id) == Outgoing.id")
    # Likewise its message, which in a group of messages is inserted by the same flush (pipeline/intake/poll.py).
    message: Mapped[Message | None] = relationship(foreign_keys=[message_pk])

    @property
    def file_no(self) -> str:
        return self.item.file_no if self.item is not None else ""


def submission_columns(values: dict) -> dict:
    """The Submission columns a validated form's values fill."""
    text_keys = (
        "title",
        "locality",
        "region",
        "organisation",
        "organisation_type",
        "lead_name",
        "lead_email",
        "summary",
        "actions",
        "outcomes",
        "learning",
        "link",
    )
    columns = {key: values[key] or "" for key in text_keys}
    columns["lead_email"] = columns["lead_email"][:320]
    columns.update(
        theme=(values["theme"] or "")[:300],
        theme_number=values["theme_number"],
        progress=values["status"] or "",
        completion_note=values.get("completion_note", ""),
        share_externally=values["share_externally"],
    )
    for key in ("date_commenced", "date_updated", "completion_date"):
        loose: LooseDate | None = values[key]
        columns[key] = loose.date if loose else None
        columns[f"{key}_precision"] = loose.precision if loose else ""
    commenced: LooseDate | None = values["date_commenced"]
    columns["date_commenced_planned"] = bool(commenced and commenced.planned)
    return columns
