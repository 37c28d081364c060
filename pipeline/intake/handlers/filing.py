"""Filing received forms: keep attachments, issue File Nos, store each form as a Submission.

Used by the `submission` handler inside the message's transaction; never commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.mail import IncomingAttachment
from pipeline.people.members import is_member
from pipeline.store import counters
from pipeline.store.models import Attachment, AuditEvent, Item, Message, Outgoing, Submission
from pipeline.store.models.submissions import submission_columns
from pipeline.templates_io import ValidatedForm


def store_attachments(
    session: Session, settings: Settings, record: Message, attachments: tuple[IncomingAttachment, ...]
) -> list[Attachment | None]:
    """An Attachment row per attachment (reusing rows already stored for this message).

    Files over the size limit are not copied: they stay in the stored raw message.
    New rows are left pending (no id yet): the handler's one flush inserts them
    with the submissions that refer to them.
    """
    # A row recorded in this pass starts with an empty list (store.new_record), so only
    # a message handled again (`mln messages reprocess`) reads its stored attachments.
    existing = {(a.filename, a.sha256): a for a in record.attachments}
    rows: list[Attachment | None] = []
    for incoming in attachments:
        if len(incoming.data) > settings.limits.max_attachment_bytes:
            rows.append(None)
            continue
        digest = hashlib.sha256(incoming.data).hexdigest()
        row = existing.get((incoming.filename[:500], digest))
        if row is None:
            row = Attachment(
                filename=incoming.filename[:500],
                content_type=incoming.content_type[:200],
                size=len(incoming.data),
                sha256=digest,
            )
            row.data = incoming.data
            record.attachments.append(row)
            existing[(row.filename, digest)] = row
        rows.append(row)
    return rows


@dataclass
class Filed:
    submission: Submission
    form: ValidatedForm
    replaced: bool = False  # a corrected form that took the place of a revision needing changes

    @property
    def file_no(self) -> str:
        return self.submission.file_no


def file_form(
    session: Session,
    settings: Settings,
    record: Message,
    form: ValidatedForm,
    attachment: Attachment | None,
    thread: Sequence[str] = (),
) -> Filed:
    """Store one validated form as a Submission: a new Item, or a new revision of the Item it names.

    A corrected form for a submission waiting for changes (it quotes the File No, or it
    answers, in the same thread, the message that asked for changes) replaces that
    submission's content as its next revision, instead of queueing a second copy.
    `thread` is the Message-IDs this message answers (In-Reply-To, References).
    """
    values = form.values
    item, is_update, target = _find_item(session, form, thread)
    new_item = item is None and not values["file_no"] and values["theme_number"] is not None
    if new_item:
        item = _new_item(session, settings, values["theme"], record.received_at)
    fields = dict(
        status="needs_changes" if form.problems else "pending",
        problems=list(form.problems),
        file_no_given=values["file_no"][:60],
        raw_fields=dict(form.raw.fields),
        sender=record.from_addr,
        sender_name=record.from_name,
        source=form.raw.source[:500],
        received_at=record.received_at,
        message=record,
        attachment=attachment,
        **submission_columns(values),
        # Still queued, but shown as "unknown sender" so the lead can spot a stranger or a spoof.
        unknown_sender=not is_member(session, record.from_addr),
    )
    if target is not None:
        return Filed(_replace(session, target, item, fields), form, replaced=True)
    # An Item made just now has no revisions yet: no need to ask.
    latest = _latest_revision(session, item) if item is not None and not new_item else None
    revision = (latest.revision or 0) + 1 if latest is not None else (1 if item is not None else None)
    submission = Submission(item=item, revision=revision, is_update=is_update, **fields)
    session.add(submission)  # inserted by the handler's flush, with its attachment and reply
    return Filed(submission, form)


def _find_item(
    session: Session, form: ValidatedForm, thread: Sequence[str]
) -> tuple[Item | None, bool, Submission | None]:
    """(the Item the form belongs to, whether it is an update, the needs_changes submission it corrects)."""
    file_no = form.values["file_no"]
    if file_no and not _file_no_problem(form):
        item = session.scalar(select(Item).where(Item.file_no == file_no))
        if item is None:
            form.problems.append(
                f"File No {file_no} is not one we have on record; please check it, or leave "
                "File No blank if this is a new plan."
            )
            return None, False, None
        latest = _latest_revision(session, item)
        return item, True, latest if latest is not None and latest.status == "needs_changes" else None
    if not file_no:
        target = needs_changes_in_thread(session, thread, form.values["title"])
        if target is not None:
            return target.item, target.is_update, target
    return None, False, None


def needs_changes_in_thread(session: Session, thread: Sequence[str], title: str) -> Submission | None:
    """The one submission waiting for changes that this message answers, by Message-ID, if there is exactly one.

    The thread may hold our automatic problems reply, a reviewer's "changes needed" mail
    (both recorded in `outgoing` with the source message), or the original message itself.
    """
    ids = [i for i in thread if i][:50]
    if not ids:
        return None
    ours = select(Outgoing.source_message_pk).where(
        Outgoing.message_id.in_(ids), Outgoing.source_message_pk.is_not(None)
    )
    theirs = select(Message.id).where(Message.message_id.in_(ids))
    query = (
        select(Submission)
        .where(Submission.status == "needs_changes")
        .where(or_(Submission.message_pk.in_(ours), Submission.message_pk.in_(theirs)))
        .order_by(Submission.id)
    )
    found = list(session.scalars(query.with_for_update()))
    if len(found) > 1:  # several forms in that message: the one with the same title
        found = [s for s in found if " ".join(s.title.lower().split()) == " ".join(title.lower().split())]
    return found[0] if len(found) == 1 else None


def _new_item(session: Session, settings: Settings, theme: str, received_at: dt.datetime) -> Item:
    year = counters.file_year(settings, received_at)
    file_no, code, sequence = counters.allocate_file_no(session, settings, theme, year)
    item = Item(file_no=file_no, theme_code=code, year=year, sequence=sequence)
    session.add(item)
    return item


def _latest_revision(session: Session, item: Item) -> Submission | None:
    query = select(Submission).where(Submission.item_id == item.id).order_by(Submission.revision.desc()).limit(1)
    return session.scalar(query.with_for_update())


def _replace(session: Session, row: Submission, item: Item | None, fields: dict) -> Submission:
    """The corrected content goes into the same row as its next revision; the earlier copy is in the audit trail."""
    earlier = {
        "revision": row.revision,
        "message_pk": row.message_pk,
        "attachment_id": row.attachment_id,
        "received_at": row.received_at.isoformat(),
        "problems": list(row.problems or []),
        "fields": dict(row.raw_fields or {}),
    }
    if row.item_id is None and item is not None:
        row.item, row.revision = item, 1
    elif row.item_id is not None:
        row.revision = (row.revision or 0) + 1
    for key, value in fields.items():
        setattr(row, key, value)
    session.add(AuditEvent(submission_id=row.id, action="resent", actor=fields["sender"], detail={"earlier": earlier}))
    session.flush()
    return row


def _file_no_problem(form: ValidatedForm) -> bool:
    return any(p.startswith("File No") for p in form.problems)
