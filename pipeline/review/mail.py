"""The emails a review decision sends: changes requested, and (when asked) a rejection.

Written into the outbox in the decision's own transaction, so a mail exists
exactly when the decision was committed. They answer the original message
(In-Reply-To / References), so the member's reply stays in the same thread.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from pipeline.compose import build_message, queue_message
from pipeline.config import Settings
from pipeline.errors import InvalidInput
from pipeline.store.models import Message, Outgoing, Submission


def changes_requested_mail(session: Session, settings: Settings, row: Submission, message: str) -> Outgoing:
    what = _what(row)
    lines = [
        f"Dear {row.sender_name or row.lead_name or 'colleague'},",
        "",
        f"Thank you for {what}. Before it can go into the index of positive practice and the bulletin, "
        "the communications lead asks for these changes:",
        "",
        message.strip(),
        "",
    ]
    if row.problems:
        lines += ["The form also has these problems:", *(f"  - {p}" for p in row.problems), ""]
    keep = f", keeping {row.file_no} in the File No box" if row.file_no else ""
    lines += [
        f"Please correct the form and send it back by replying to this email{keep}. "
        "Your corrected form replaces the one you sent.",
        "",
        f"-- \n{settings.network.name}",
    ]
    return _queue(session, settings, row, f"Changes needed: {_label(row)}", "\n".join(lines), "request_changes")


def rejection_mail(session: Session, settings: Settings, row: Submission, reason: str) -> Outgoing:
    lines = [
        f"Dear {row.sender_name or row.lead_name or 'colleague'},",
        "",
        f"Thank you for {_what(row)}. The communications lead has decided not to include it in the index "
        "of positive practice or the bulletin, for this reason:",
        "",
        reason.strip(),
        "",
        "If you have questions, reply to this email.",
        "",
        f"-- \n{settings.network.name}",
    ]
    return _queue(session, settings, row, f"Not included: {_label(row)}", "\n".join(lines), "reject")


def _what(row: Submission) -> str:
    if not row.title:
        return "your improvement plan"
    return f'your improvement plan "{row.title}"' + (f" (File No {row.file_no})" if row.file_no else "")


def _label(row: Submission) -> str:
    title = " ".join((row.title or "improvement plan").split())[:80]
    return f"{title} ({row.file_no})" if row.file_no else title


def _queue(session: Session, settings: Settings, row: Submission, subject: str, text: str, kind: str) -> Outgoing:
    to = row.sender or row.lead_email
    if not to:
        raise InvalidInput(f"submission {row.id} has no sender or lead contact address to write to")
    source = session.get(Message, row.message_pk) if row.message_pk is not None else None
    headers = {}
    if source is not None and source.message_id:
        headers = {"In-Reply-To": source.message_id, "References": f"{source.references} {source.message_id}".strip()}
    msg = build_message(
        settings, to, subject, text, headers=headers, to_name=row.sender_name if row.sender else row.lead_name
    )
    return queue_message(session, settings, msg, kind=kind, source=source)
