"""Filing received forms: keep attachments, issue File Nos, store each form as a Submission.

One plan, one File No: a form for a plan we already have (pipeline/intake/same_plan.py)
is recorded against it: an exact repeat adds no revision, changed content is the plan's
next revision, and a corrected form replaces the copy that needed changes. A form that
only may be a plan we have gets its own File No and is flagged for the reviewer.
Used by the `submission` handler inside the message's transaction; never commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.intake.forwards import Forward, same_person
from pipeline.intake.same_plan import (
    PlanMatch,
    Wanted,
    content_hash,
    find_certain,
    find_near,
    normalise_title,
    remember,
    similarity,
)
from pipeline.mail import IncomingAttachment
from pipeline.people.members import is_member
from pipeline.store import counters
from pipeline.store.models import Attachment, AuditEvent, Item, Message, Submission
from pipeline.store.models.submissions import submission_columns
from pipeline.store.plans import resolve_file_no
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


# A reply in the thread of a plan, or naming its File No in the subject, whose title is less alike than
# this is probably another plan: it is filed anew and flagged, not taken as a revision.
SAME_THREAD_TITLE = 0.6


@dataclass
class Filed:
    submission: Submission  # for a repeat, the plan's revision it repeats
    form: ValidatedForm
    replaced: bool = False  # a corrected form that took the place of a revision needing changes
    repeat: bool = False  # the same plan again: recorded against it, nothing new filed
    how: str = ""  # how the plan was recognised, for the log and the reviewer

    @property
    def file_no(self) -> str:
        return self.submission.file_no


@dataclass(frozen=True)
class Arrival:
    """How the forms of one message came: the message, what it answers, who wrote it."""

    record: Message
    thread: tuple[str, ...] = ()  # the Message-IDs it answers (In-Reply-To, References)
    file_nos: tuple[str, ...] = ()  # File Nos written in its subject or body
    forward: Forward | None = None
    forms: int = 1  # how many forms the message holds

    def author(self, columns: dict) -> tuple[str, str]:
        """(address, name) of whoever wrote the plan: the forwarded message's author, else the sender.

        A forward that names its author without an address (Exchange inside one organisation)
        takes the form's lead contact email, when the lead's name is the author's.
        """
        forward = self.forward
        if forward is None:
            return self.record.from_addr, self.record.from_name
        if forward.author_addr:
            return forward.author_addr, forward.author_name or forward.author_addr
        if columns.get("lead_email") and same_person(forward.author_name, columns.get("lead_name", "")):
            return columns["lead_email"].lower(), columns.get("lead_name") or forward.author_name
        return self.record.from_addr, self.record.from_name

    def people(self, columns: dict) -> frozenset[str]:
        return frozenset(p.lower() for p in (self.record.from_addr, self.author(columns)[0]) if p)


def file_form(
    session: Session,
    settings: Settings,
    arrival: Arrival,
    form: ValidatedForm,
    attachment: Attachment | None,
) -> Filed:
    """Store one validated form: a repeat of a plan we have, its next revision, or a new plan."""
    columns = submission_columns(form.values)
    wanted = Wanted(
        columns=columns,
        content_hash=content_hash(columns),
        attachment_sha=attachment.sha256 if attachment is not None else "",
        file_no=_file_no(session, arrival, form),
        thread=arrival.thread,
        people=arrival.people(columns),
    )
    match = find_certain(session, wanted)
    why = ""
    if match is not None and match.how in ("thread", "File No") and not form.values["file_no"]:
        match, why = _unless_another_plan(match, columns["title"])
    if match is None:
        match, why = find_near(session, wanted)
    fields = _fields(session, arrival, form, attachment, columns, wanted.content_hash)
    if match is not None and match.certain:
        return _file_known(session, settings, arrival, form, match, fields)
    return _file_new(session, settings, arrival, form, fields, match, why)


def _file_no(session: Session, arrival: Arrival, form: ValidatedForm) -> str:
    """The File No that names the form's plan: the form's own, else one in the subject or body."""
    given = form.values["file_no"]
    if given and not _file_no_problem(form):
        if resolve_file_no(session, given) is not None:
            return given
        form.notes.append(
            f"File No {given} is not one we have on record, so we have filed this as a new plan unless it matches "
            "one you sent before. If it updates an earlier plan, reply with the File No from our acknowledgement."
        )
        return ""
    known = [no for no in arrival.file_nos if resolve_file_no(session, no) is not None]
    return known[0] if len(known) == 1 else ""


def _unless_another_plan(match: PlanMatch, title: str) -> tuple[PlanMatch | None, str]:
    """A thread or subject match stands unless the titles differ too much to be one plan."""
    earlier = normalise_title(match.submission.title)
    if not earlier or not normalise_title(title) or similarity(earlier, normalise_title(title)) >= SAME_THREAD_TITLE:
        return match, ""
    named = "answers the thread of" if match.how == "thread" else "names the File No of"
    why = f"{named} {match.submission.file_no or 'an earlier plan'}, but its title differs: '{match.submission.title[:80]}'"
    return PlanMatch(match.submission, match.how, certain=False), why


def _fields(
    session: Session,
    arrival: Arrival,
    form: ValidatedForm,
    attachment: Attachment | None,
    columns: dict,
    digest: str,
) -> dict:
    record = arrival.record
    author, author_name = arrival.author(columns)
    forwarded = author != record.from_addr
    return dict(
        status="needs_changes" if form.problems else "pending",
        problems=list(form.problems),
        file_no_given=form.values["file_no"][:60],
        raw_fields=dict(form.raw.fields),
        sender=author,
        sender_name=author_name,
        forwarded_by=record.from_addr if forwarded else "",
        source=form.raw.source[:500],
        received_at=record.received_at,
        message=record,
        attachment=attachment,
        content_hash=digest,
        **columns,
        # Still queued, but shown as "unknown sender" so the lead can spot a stranger or a spoof:
        # for a forward, the forwarder is the one we can check (the author's name is only their word).
        unknown_sender=not is_member(session, record.from_addr),
    )


def _file_known(
    session: Session, settings: Settings, arrival: Arrival, form: ValidatedForm, match: PlanMatch, fields: dict
) -> Filed:
    latest = match.submission
    same = _same_revision(session, latest, fields["content_hash"])
    if same is not None:
        how = "twice in this message" if same.message is arrival.record else match.how
        _record_repeat(session, arrival, latest, how, same)
        return Filed(latest, form, repeat=True, how=how)
    if latest.status == "needs_changes":
        item = latest.item
        if item is None and form.values["theme_number"] is not None:
            item = _new_item(session, settings, form.values["theme"], arrival.record.received_at)
        return Filed(_replace(session, latest, item, fields), form, replaced=True, how=match.how)
    if latest.item is None:  # a plan without a File No that is no longer waiting: file this one anew
        return _file_new(session, settings, arrival, form, fields, None, "")
    revision = (latest.revision or 0) + 1
    submission = Submission(item=latest.item, revision=revision, is_update=True, **fields)
    session.add(submission)  # inserted by the handler's flush, with its attachment and reply
    remember(session, submission, fields["attachment"])
    return Filed(submission, form, how=match.how)


def _file_new(
    session: Session,
    settings: Settings,
    arrival: Arrival,
    form: ValidatedForm,
    fields: dict,
    near: PlanMatch | None,
    why: str,
) -> Filed:
    item = None
    if form.values["theme_number"] is not None:
        item = _new_item(session, settings, form.values["theme"], arrival.record.received_at)
    submission = Submission(item=item, revision=1 if item is not None else None, is_update=False, **fields)
    if near is not None and near.item is not None:
        submission.possible_duplicate_of_id = near.item.id
        submission.duplicate_reason = why[:2000]
    elif near is not None:
        submission.duplicate_reason = f"possible duplicate of submission {near.submission.id}: {why}"[:2000]
    session.add(submission)
    remember(session, submission, fields["attachment"])
    return Filed(submission, form, how="possible duplicate" if near is not None else "new")


def _same_revision(session: Session, latest: Submission, digest: str) -> Submission | None:
    """The revision of the plan with exactly this content (the newest), if one has it."""
    if latest.content_hash == digest or latest.item_id is None:
        return latest if latest.content_hash == digest else None
    query = (
        select(Submission)
        .where(Submission.item_id == latest.item_id, Submission.content_hash == digest)
        .order_by(Submission.revision.desc())
        .limit(1)
    )
    return session.scalar(query)


def _record_repeat(session: Session, arrival: Arrival, latest: Submission, how: str, same: Submission) -> None:
    record = arrival.record
    detail: dict[str, object] = {
        "same_as_revision": same.revision,
        "message_pk": record.id,
        "message_id": record.message_id,
        "subject": record.subject[:300],
        "from": record.from_addr,
        "how": how,
    }
    if arrival.forward is not None:
        detail["forwarded"] = {"author": arrival.forward.author_addr, "how": arrival.forward.how}
    session.add(AuditEvent(submission_id=latest.id, action="repeat", actor=record.from_addr, detail=detail))


def _new_item(session: Session, settings: Settings, theme: str, received_at: dt.datetime) -> Item:
    year = counters.file_year(settings, received_at)
    file_no, code, sequence = counters.allocate_file_no(session, settings, theme, year)
    item = Item(file_no=file_no, theme_code=code, year=year, sequence=sequence)
    session.add(item)
    return item


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
