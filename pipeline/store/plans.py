"""Looking up a plan by its File No, and its latest revision: shared by the intake and the review."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store.models import Item, Submission


def resolve_file_no(session: Session, file_no: str) -> Item | None:
    """The Item a File No names, following merges (`mln merge`) to the plan it now belongs to."""
    item = session.scalar(select(Item).where(Item.file_no == file_no)) if file_no else None
    seen = set()
    while item is not None and item.merged_into_id is not None and item.id not in seen:
        seen.add(item.id)
        item = session.get(Item, item.merged_into_id)
    return item


def latest_revision(session: Session, item: Item, lock: bool = True) -> Submission | None:
    """The plan's newest revision, locked FOR UPDATE (on PostgreSQL) unless `lock` is False."""
    query = select(Submission).where(Submission.item_id == item.id).order_by(Submission.revision.desc()).limit(1)
    return session.scalar(query.with_for_update() if lock else query)
