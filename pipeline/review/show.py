"""One submission in full (`mln show`), its history (`mln history`), and the files it came with.

Read through the driver (store/reader.py), as the queue is: no SQLAlchemy on this path.
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.errors import NotFound
from pipeline.review.common import iso
from pipeline.review.duplicates import PLAN_ROWS, changes_since, notes
from pipeline.store.plan_changes import baseline_rows
from pipeline.store.reader import Reader, reading

# Columns `show` leaves out: internal keys shown elsewhere in the result.
_HIDDEN = {"item_id", "message_pk", "attachment_id", "raw_fields", "problems", "possible_duplicate_of_id"}

_ONE = PLAN_ROWS + "\n    WHERE s.id = :id"
_EXTRA = {"item_file_no", "possible_duplicate_file_no", "repeats", "baseline_id"}


def show_submission(settings: Settings, submission_id: int) -> dict[str, Any]:
    """Everything about one submission: fields, problems, source message, revisions of its File No, audit trail."""
    with reading(settings.database.url) as reader:
        row = _submission(reader, submission_id)
        earlier = baseline_rows(reader, [row["baseline_id"]]).get(row["baseline_id"])
        fields = {k: _plain(v) for k, v in row.items() if k not in _HIDDEN and k not in _EXTRA}
        return {
            **fields,
            "file_no": row["item_file_no"] or "",
            "problems": list(row["problems"] or []),
            "raw_fields": dict(row["raw_fields"] or {}),
            # Rows the form does not have (Partners, Funding ...), kept by the reader (#19).
            "further_information": (row["raw_fields"] or {}).get("further_information", ""),
            "message": _message(reader, row["message_pk"]),
            "attachment": _attachment(reader, row["attachment_id"]),
            "revisions": _revisions(reader, row["item_id"]),
            "history": history_rows(reader, row),
            **notes(row, earlier),
            "changes": changes_since(row, earlier),
        }


def history(settings: Settings, submission_id: int) -> list[dict[str, Any]]:
    """Who did what and when, oldest first, starting with its arrival."""
    with reading(settings.database.url) as reader:
        return history_rows(reader, _submission(reader, submission_id))


def _submission(reader: Reader, submission_id: int) -> dict[str, Any]:
    row = reader.one(_ONE, {"id": submission_id})
    if row is None:
        raise NotFound(f"no submission with id {submission_id}; see `mln queue --status all`")
    return row


def history_rows(reader: Reader, row: dict[str, Any]) -> list[dict[str, Any]]:
    """The first arrival, then every recorded event. A corrected form that replaced the content
    is a "resent" event; the first arrival is then the earliest copy it names."""
    events: list[dict[str, Any]] = [
        {"at": iso(e["at"]), "actor": e["actor"], "action": e["action"], "detail": e["detail"]}
        for e in reader.rows(
            "SELECT at, actor, action, detail FROM audit_events WHERE submission_id = :id ORDER BY at, id",
            {"id": row["id"]},
        )
    ]
    earliest = [e["detail"]["earlier"] for e in events if e["action"] == "resent" and "earlier" in e["detail"]]
    first: dict[str, Any] = (
        earliest[0] if earliest else {"received_at": iso(row["received_at"]), "message_pk": row["message_pk"]}
    )
    source = None
    if first.get("message_pk") is not None:
        source = reader.one("SELECT from_addr, subject FROM messages WHERE id = :id", {"id": first["message_pk"]})
    arrived = {
        "at": first["received_at"],
        "actor": source["from_addr"] if source else row["sender"],
        "action": "received",
        "detail": {"message": first.get("message_pk"), "subject": source["subject"] if source else ""},
    }
    return [arrived, *events]


def _plain(value: Any) -> Any:
    return iso(value) if isinstance(value, (dt.date, dt.datetime)) else value


def _message(reader: Reader, message_pk: int | None) -> dict[str, Any] | None:
    if message_pk is None:
        return None
    msg = reader.one(
        "SELECT id, message_id, from_addr, from_name, subject, received_at, raw_compressed FROM messages WHERE id = :id",
        {"id": message_pk},
    )
    if msg is None:
        return None
    return {
        "id": msg["id"],
        "message_id": msg["message_id"],
        "from": msg["from_addr"],
        "from_name": msg["from_name"],
        "subject": msg["subject"],
        "received_at": iso(msg["received_at"]),
        "text": _text(msg["raw_compressed"])[:4000],
    }


def _text(raw_compressed: bytes | None) -> str:
    from pipeline.mail import parse_mail

    try:
        return parse_mail(zlib.decompress(bytes(raw_compressed or b""))).text or ""
    except Exception:  # noqa: BLE001 - a message we cannot re-read is still shown by its headers
        return ""


def _attachment(reader: Reader, attachment_id: int | None) -> dict[str, Any] | None:
    if attachment_id is None:
        return None
    return reader.one("SELECT id, filename, content_type, size FROM attachments WHERE id = :id", {"id": attachment_id})


def _revisions(reader: Reader, item_id: int | None) -> list[dict[str, Any]]:
    if item_id is None:
        return []
    rows = reader.rows(
        "SELECT id, revision, status, title, received_at, sender FROM submissions "
        "WHERE item_id = :item_id ORDER BY revision, id",
        {"item_id": item_id},
    )
    return [{**r, "received_at": iso(r["received_at"])} for r in rows]


def write_originals(settings: Settings, submission_id: int, directory: Path) -> list[Path]:
    """Write the files the submission arrived with (every attachment of its message, and the message as .eml)."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with reading(settings.database.url) as reader:
        row = _submission(reader, submission_id)
        if row["message_pk"] is None:
            return written
        attachments = reader.rows(
            "SELECT id, filename, data_compressed FROM attachments WHERE message_pk = :pk ORDER BY id",
            {"pk": row["message_pk"]},
        )
        for attachment in attachments:
            name = _safe_name(attachment["filename"], f"attachment-{attachment['id']}")
            written.append(_write_new(directory, name, zlib.decompress(bytes(attachment["data_compressed"]))))
        msg = reader.one("SELECT id, raw_compressed FROM messages WHERE id = :id", {"id": row["message_pk"]})
        if msg is not None:
            written.append(
                _write_new(directory, f"message-{msg['id']}.eml", zlib.decompress(bytes(msg["raw_compressed"])))
            )
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
