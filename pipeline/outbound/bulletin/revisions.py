"""What each updated plan in an edition changed since its last published revision.

The preview shows it so whoever approves sees that a revision dropped boxes
before every reader does; the comparison itself is the reviewer's
(pipeline/store/plan_changes.py, also behind `mln show`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from pipeline.outbound.bulletin import source
from pipeline.store.plan_changes import Change, baseline, field_changes


@dataclass(frozen=True)
class ItemChanges:
    """One updated plan: its revision in this edition against the last one published."""

    file_no: str
    title: str
    revision: int
    since_revision: int
    changes: tuple[Change, ...]

    @property
    def emptied(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.emptied)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file_no": self.file_no,
            "title": self.title,
            "revision": self.revision,
            "since_revision": self.since_revision,
            "changes": [c.as_dict() for c in self.changes],
        }


def changes_for(session: Session, submission_ids: Iterable[int], file_nos: set[str]) -> list[ItemChanges]:
    """The changes of each submission in `submission_ids` that updates a published plan, if its File No is in `file_nos`."""
    found = []
    for row in source.submissions_by_id(session, list(submission_ids)).values():
        if (row.file_no or "") not in file_nos:
            continue
        before = baseline(session, row)
        if before is None:
            continue
        found.append(
            ItemChanges(
                row.file_no or "",
                row.title or "",
                row.revision or 0,
                before.revision or 0,
                tuple(field_changes(before, row)),
            )
        )
    return sorted(found, key=lambda c: c.file_no)


def emptied_warnings(found: Iterable[ItemChanges]) -> tuple[str, ...]:
    """One warning per updated plan that emptied boxes its published revision had filled."""
    return tuple(
        f"{c.file_no} revision {c.revision} emptied {len(c.emptied)} box(es) that revision {c.since_revision} "
        f"had filled: {', '.join(e.label for e in c.emptied)}"
        for c in found
        if c.emptied
    )
