"""Decisions on a submission: approve, reject, request changes; and the history of what was done.

Each function is one transaction. The row is locked before its state is
checked, so a second reviewer acting at the same moment waits for the first
and is then told what the first did ("already approved by X at T").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.errors import InvalidInput, WrongState
from pipeline.review.common import get_submission, iso, record, when
from pipeline.review.mail import changes_requested_mail, rejection_mail
from pipeline.store import db
from pipeline.store.models import Submission, utcnow

# Which states each decision may be taken from.
ALLOWED_FROM = {
    "approve": ("pending", "needs_changes"),
    "reject": ("pending", "needs_changes"),
    "request_changes": ("pending", "needs_changes"),
}
_VERB = {"approve": "approved", "reject": "rejected", "request_changes": "sent back for changes"}
_DONE = {"approved": "already approved", "rejected": "already rejected"}


def check_state(row: Submission, action: str) -> None:
    """WrongState, naming who decided and when, unless `action` is allowed in the row's state."""
    if row.status in ALLOWED_FROM[action]:
        return
    by = f" by {row.reviewed_by} at {when(row.reviewed_at)}" if row.reviewed_by else ""
    raise WrongState(f"submission {row.id} is {_DONE.get(row.status, row.status)}{by}; it cannot be {_VERB[action]}")


def decide(row: Submission, status: str, actor: str) -> None:
    now = utcnow()
    row.status, row.reviewed_by, row.reviewed_at = status, actor, now
    if status == "approved":
        row.approved_at = now


def approve(settings: Settings, ids: Sequence[int], actor: str) -> list[dict[str, Any]]:
    """Approve every id, or none of them.

    Rows are locked in id order, so two people approving overlapping sets in
    different orders cannot deadlock; a repeated id counts once.
    """
    unique = list(dict.fromkeys(ids))
    with db.transaction(settings.database.url) as session:
        done = {submission_id: approve_one(session, submission_id, actor) for submission_id in sorted(unique)}
        return [done[submission_id] for submission_id in unique]


def approve_one(session: Session, submission_id: int, actor: str) -> dict[str, Any]:
    row = get_submission(session, submission_id, lock=True)
    check_state(row, "approve")
    if row.item_id is None:
        raise WrongState(
            f"submission {row.id} has no File No because its key theme is missing or unknown; "
            f"set it first with `mln edit {row.id} theme=NUMBER`"
        )
    decide(row, "approved", actor)
    record(session, row, "approve", actor)
    return _result(row)


def reject(settings: Settings, submission_id: int, reason: str, actor: str, notify: bool = False) -> dict[str, Any]:
    """Reject with a reason; with `notify`, email the sender the reason."""
    if not reason.strip():
        raise InvalidInput("give a reason with --reason TEXT")
    with db.transaction(settings.database.url) as session:
        row = get_submission(session, submission_id, lock=True)
        check_state(row, "reject")
        decide(row, "rejected", actor)
        outgoing = rejection_mail(session, settings, row, reason) if notify else None
        record(session, row, "reject", actor, reason=reason, outgoing_id=outgoing.id if outgoing else None)
        return {**_result(row), "notified": outgoing.recipient if outgoing else None}


def request_changes(settings: Settings, submission_id: int, message: str, actor: str) -> dict[str, Any]:
    """Email the sender what to change (with the form's current problems) and mark it needs_changes."""
    if not message.strip():
        raise InvalidInput("say what should change with --message TEXT")
    with db.transaction(settings.database.url) as session:
        row = get_submission(session, submission_id, lock=True)
        check_state(row, "request_changes")
        outgoing = changes_requested_mail(session, settings, row, message)
        decide(row, "needs_changes", actor)
        record(session, row, "request_changes", actor, message=message, outgoing_id=outgoing.id, to=outgoing.recipient)
        return {**_result(row), "emailed": outgoing.recipient, "outgoing_id": outgoing.id}


def _result(row: Submission) -> dict[str, Any]:
    return {
        "id": row.id,
        "file_no": row.file_no,
        "title": row.title,
        "status": row.status,
        "reviewed_by": row.reviewed_by,
        "reviewed_at": iso(row.reviewed_at),
    }
