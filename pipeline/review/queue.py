"""Listing the queue and showing one submission in full.

Listings are read page by page (LIMIT/OFFSET per status, on the
(status, received_at) index), so a large table is never loaded whole.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.errors import InvalidInput
from pipeline.mail import parse_mail
from pipeline.review.common import get_submission, iso
from pipeline.review.duplicates import changes_since, plan_notes
from pipeline.store import db
from pipeline.store.models import SUBMISSION_STATUSES, Attachment, Item, Message, Submission
from pipeline.templates_io import match_choice, parse_date
from pipeline.templates_io.dates import DateProblem

# The queue's order: what needs a decision first (pending, needs_changes, approved, rejected).
QUEUE_STATUSES = SUBMISSION_STATUSES


@dataclass(frozen=True)
class QueueFilter:
    statuses: tuple[str, ...] = ("pending",)
    theme_number: int | None = None
    region: str | None = None
    since: dt.datetime | None = None


def make_filter(
    settings: Settings,
    status: str = "pending",
    theme: str | None = None,
    region: str | None = None,
    since: str | None = None,
) -> QueueFilter:
    """Turn what the user typed into a filter; InvalidInput names what is wrong."""
    if status != "all" and status not in QUEUE_STATUSES:
        raise InvalidInput(f"status {status!r} is not one of {', '.join(QUEUE_STATUSES)} or all")
    return QueueFilter(
        statuses=QUEUE_STATUSES if status == "all" else (status,),
        theme_number=resolve_theme(settings, theme) if theme else None,
        region=_region(settings, region) if region else None,
        since=_since(settings, since) if since else None,
    )


def resolve_theme(settings: Settings, text: str) -> int:
    match = match_choice(text, settings.network.themes)
    if match.number is not None:  # match.ok, spelled out so the type narrows to int
        return match.number
    hint = (
        f"; did you mean '{match.suggestions[0]}'?"
        if match.suggestions
        else f"; give 1 to {len(settings.network.themes)} or a name"
    )
    raise InvalidInput(f"theme {text!r} is not one of the key themes{hint}")


def _region(settings: Settings, text: str) -> str:
    if not settings.network.regions:
        return text
    match = match_choice(text, settings.network.regions, numbered=False, with_parts=False)
    if match.ok:
        return match.name
    raise InvalidInput(f"region {text!r} is not one of: {', '.join(settings.network.regions)}")


def _since(settings: Settings, text: str) -> dt.datetime:
    """Midnight at the start of that day (or month) in the network's time zone."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        try:
            loose = parse_date(text)
        except DateProblem as exc:
            raise InvalidInput(f"--since {exc}") from None
        if loose is None:
            raise InvalidInput("--since needs a date, e.g. 2026-11-01") from None
        day = loose.date
    return dt.datetime.combine(day, dt.time(), ZoneInfo(settings.network.timezone)).astimezone(dt.UTC)


def _filtered(flt: QueueFilter, status: str) -> Select:
    query = (
        select(Submission, Item.file_no)
        .outerjoin(Item, Submission.item_id == Item.id)
        .where(Submission.status == status)
    )
    if flt.theme_number is not None:
        query = query.where(Submission.theme_number == flt.theme_number)
    if flt.region is not None:
        query = query.where(func.lower(Submission.region) == flt.region.lower())
    if flt.since is not None:
        query = query.where(Submission.received_at >= flt.since)
    return query


def iter_queue(session: Session, flt: QueueFilter, limit: int, offset: int = 0) -> Iterator[dict[str, Any]]:
    for row in _iter_rows(session, flt, limit, offset):
        yield {**row, **plan_notes(session, row["id"])}


def _iter_rows(session: Session, flt: QueueFilter, limit: int, offset: int) -> Iterator[dict[str, Any]]:
    """Rows in queue order: status by status (pending first), oldest first within each."""
    for status in flt.statuses:
        if limit <= 0:
            return
        query = _filtered(flt, status)
        if offset:
            count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            if count <= offset:
                offset -= count
                continue
        page = query.order_by(Submission.received_at, Submission.id).offset(offset).limit(limit)
        offset = 0
        for row, file_no in session.execute(page):
            limit -= 1
            yield queue_row(row, file_no)


def list_queue(settings: Settings, flt: QueueFilter, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    db.require_schema(settings.database.url)
    with db.transaction(settings.database.url, readonly=True) as session:
        return list(iter_queue(session, flt, limit, offset))


def queue_row(row: Submission, file_no: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "file_no": file_no or "",
        "revision": row.revision,
        "title": row.title,
        "theme": row.theme,
        "theme_number": row.theme_number,
        "locality": row.locality,
        "region": row.region,
        "status": row.status,
        "sender": row.sender,
        "sender_name": row.sender_name,
        "unknown_sender": bool(row.unknown_sender),
        "received_at": iso(row.received_at),
        "is_update": bool(row.is_update),
        "problem_count": len(row.problems or []),
        "forwarded_by": row.forwarded_by,
    }


# Columns `show` leaves out: internal keys shown elsewhere in the result.
_HIDDEN = {"item_id", "message_pk", "attachment_id", "raw_fields", "problems", "possible_duplicate_of_id"}


def show_submission(settings: Settings, submission_id: int) -> dict[str, Any]:
    """Everything about one submission: fields, problems, source message, revisions of its File No, audit trail."""
    from pipeline.review.actions import history_rows

    db.require_schema(settings.database.url)
    with db.transaction(settings.database.url, readonly=True) as session:
        row = get_submission(session, submission_id)
        fields = {c.key: _plain(getattr(row, c.key)) for c in Submission.__table__.columns if c.key not in _HIDDEN}
        return {
            **fields,
            "file_no": row.file_no,
            "problems": list(row.problems or []),
            "raw_fields": dict(row.raw_fields or {}),
            # Rows the form does not have (Partners, Funding ...), kept by the reader (#19).
            "further_information": (row.raw_fields or {}).get("further_information", ""),
            "message": _message(session, row),
            "attachment": _attachment(session, row.attachment_id),
            "revisions": _revisions(session, row),
            "history": history_rows(session, row),
            **plan_notes(session, row.id),
            "changes": changes_since(session, row),
        }


def _plain(value: Any) -> Any:
    return iso(value) if isinstance(value, (dt.date, dt.datetime)) else value


def _message(session: Session, row: Submission) -> dict[str, Any] | None:
    if row.message_pk is None:
        return None
    msg = session.get(Message, row.message_pk)
    if msg is None:
        return None
    try:
        text = parse_mail(msg.raw).text or ""
    except Exception:  # noqa: BLE001 - a message we cannot re-read is still shown by its headers
        text = ""
    return {
        "id": msg.id,
        "message_id": msg.message_id,
        "from": msg.from_addr,
        "from_name": msg.from_name,
        "subject": msg.subject,
        "received_at": iso(msg.received_at),
        "text": text[:4000],
    }


def _attachment(session: Session, attachment_id: int | None) -> dict[str, Any] | None:
    found = session.get(Attachment, attachment_id) if attachment_id is not None else None
    if found is None:
        return None
    return {"id": found.id, "filename": found.filename, "content_type": found.content_type, "size": found.size}


def _revisions(session: Session, row: Submission) -> list[dict[str, Any]]:
    if row.item_id is None:
        return []
    query = select(Submission).where(Submission.item_id == row.item_id).order_by(Submission.revision, Submission.id)
    return [
        {
            "id": r.id,
            "revision": r.revision,
            "status": r.status,
            "title": r.title,
            "received_at": iso(r.received_at),
            "sender": r.sender,
        }
        for r in session.scalars(query)
    ]


def write_originals(settings: Settings, submission_id: int, directory: Path) -> list[Path]:
    """Write the files the submission arrived with (every attachment of its message, and the message as .eml)."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with db.transaction(settings.database.url, readonly=True) as session:
        row = get_submission(session, submission_id)
        if row.message_pk is None:
            return written
        for attachment in session.scalars(
            select(Attachment).where(Attachment.message_pk == row.message_pk).order_by(Attachment.id)
        ):
            written.append(
                _write_new(directory, _safe_name(attachment.filename, f"attachment-{attachment.id}"), attachment.data)
            )
        msg = session.get(Message, row.message_pk)
        if msg is not None:
            written.append(_write_new(directory, f"message-{msg.id}.eml", msg.raw))
    return written


def _safe_name(name: str, fallback: str) -> str:
    """Only the last path part, without control characters or a leading dot: a sender's file name cannot escape DIR."""
    base = re.sub(r"[\x00-\x1f\x7f/\\]+", "_", Path(name.replace("\\", "/")).name).lstrip(".").strip()
    return base[:200] or fallback


def _write_new(directory: Path, name: str, data: bytes) -> Path:
    """Never overwrite: 'plan.docx' exists -> 'plan-2.docx'."""
    path = directory / name
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{Path(name).stem}-{n}{Path(name).suffix}"
    path.write_bytes(data)
    return path
