"""Settling a possible duplicate: merge it into the plan it repeats, or keep it as a plan of its own.

Merging makes the submission the next revision of the other plan. Its own File No, if
nothing else was filed under it, is kept as a pointer to that plan, so a member who
quotes it later still reaches the right one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.errors import InvalidInput, NotFound, WrongState
from pipeline.review.common import get_submission, record
from pipeline.store import db
from pipeline.store.models import Item, Submission
from pipeline.store.plans import latest_revision, resolve_file_no
from pipeline.templates_io.validate import loose_file_no

_OPEN = ("pending", "needs_changes")


def merge_into(settings: Settings, submission_id: int, into: str, actor: str) -> dict[str, Any]:
    """Make submission `submission_id` the next revision of the plan `into` (a File No, or a submission id)."""
    with db.transaction(settings.database.url) as session:
        row = get_submission(session, submission_id, lock=True)
        _check_open(row, "merged")
        target = _target(session, settings, into)
        if row.item_id == target.id:
            raise WrongState(f"submission {row.id} is already part of {target.file_no}")
        latest = latest_revision(session, target)
        was = row.item
        row.item = target
        row.revision = (latest.revision or 0) + 1 if latest is not None else 1
        row.is_update = True
        row.possible_duplicate_of_id, row.duplicate_reason = None, ""
        if was is not None and _only_submission(session, was, row):
            was.merged_into_id = target.id
        record(session, row, "merge", actor, into=target.file_no, was=was.file_no if was is not None else "")
        session.flush()
        same = latest is not None and latest.content_hash == row.content_hash
        return {
            "id": row.id,
            "file_no": target.file_no,
            "revision": row.revision,
            "was": was.file_no if was is not None else "",
            "same_content_as_revision": latest.revision if same and latest is not None else None,
        }


def keep_separate(settings: Settings, submission_id: int, actor: str, reason: str = "") -> dict[str, Any]:
    """Clear the 'possible duplicate' flag: the submission stays a plan of its own."""
    with db.transaction(settings.database.url) as session:
        row = get_submission(session, submission_id, lock=True)
        if row.possible_duplicate_of_id is None and not row.duplicate_reason:
            raise WrongState(f"submission {row.id} is not marked as a possible duplicate; nothing to keep separate")
        other = session.get(Item, row.possible_duplicate_of_id) if row.possible_duplicate_of_id else None
        record(
            session,
            row,
            "keep_separate",
            actor,
            duplicate_of=other.file_no if other is not None else "",
            why_flagged=row.duplicate_reason,
            reason=reason,
        )
        row.possible_duplicate_of_id, row.duplicate_reason = None, ""
        return {"id": row.id, "file_no": row.file_no, "was_possible_duplicate_of": other.file_no if other else ""}


def _check_open(row: Submission, verb: str) -> None:
    if row.status not in _OPEN:
        raise WrongState(f"submission {row.id} is {row.status}; only a pending or needs_changes one can be {verb}")


def _target(session: Session, settings: Settings, into: str) -> Item:
    """The plan named by a File No (written loosely) or by the id of any of its submissions."""
    text = into.strip()
    if text.isdigit():
        other = get_submission(session, int(text))
        if other.item is None:
            raise WrongState(f"submission {other.id} has no File No yet; merge into a plan that has one")
        return resolve_file_no(session, other.item.file_no) or other.item
    file_no = loose_file_no(text, settings.network.file_no_prefix)
    if not file_no:
        raise InvalidInput(f"{into!r} is neither a File No (like CH-2026-014) nor a submission id")
    item = resolve_file_no(session, file_no)
    if item is None:
        raise NotFound(f"no plan has File No {file_no}; see `mln queue --status all`")
    return item


def _only_submission(session: Session, item: Item, row: Submission) -> bool:
    others = select(func.count()).where(Submission.item_id == item.id, Submission.id != row.id)
    return not session.scalar(others)
