"""What changed between two revisions of a plan, field by field: for `mln show` and the bulletin preview.

It lives in the store so that both the review and the outbound flows can read it.

A box that had words and is now empty is called out: a member who resends an older
copy of the form, or a form whose reader lost a box, would otherwise quietly publish less.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store.models import Submission

# The fields a reviewer reads, in the form's order, with the words a person knows them by.
COMPARED = (
    ("title", "Title"),
    ("theme", "Key theme"),
    ("locality", "Location"),
    ("region", "Region"),
    ("organisation", "Organisation"),
    ("organisation_type", "Organisation type"),
    ("lead_name", "Lead contact name"),
    ("lead_email", "Lead contact email"),
    ("progress", "Status"),
    ("date_commenced", "Date commenced"),
    ("date_updated", "Date updated"),
    ("completion_date", "Completion date"),
    ("completion_note", "Completion note"),
    ("summary", "Summary / aim"),
    ("actions", "Actions"),
    ("outcomes", "Outcomes"),
    ("learning", "Learning"),
    ("link", "Link"),
    ("share_externally", "Share externally"),
)


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: Any
    new: Any

    @property
    def emptied(self) -> bool:
        return _blank(self.new) and not _blank(self.old)

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "label": self.label, "old": self.old, "new": self.new, "emptied": self.emptied}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return " ".join(value.split()) if isinstance(value, str) else value


def field_changes(old: Submission | dict[str, Any], new: Submission | dict[str, Any]) -> list[Change]:
    """Each compared field whose value differs (spacing aside), oldest value first."""

    def get(row: Submission | dict[str, Any], key: str) -> Any:
        return _plain(row.get(key) if isinstance(row, dict) else getattr(row, key, None))

    changes = []
    for key, label in COMPARED:
        before, after = get(old, key), get(new, key)
        if before != after and not (_blank(before) and _blank(after)):
            changes.append(Change(key, label, before, after))
    return changes


def baseline(session: Session, row: Submission) -> Submission | None:
    """What a revision is compared with: the plan's last approved revision before it, else the one just before."""
    if row.item_id is None or row.revision is None:
        return None
    earlier = (
        select(Submission)
        .where(Submission.item_id == row.item_id, Submission.revision < row.revision)
        .order_by(Submission.revision.desc())
    )
    rows = list(session.scalars(earlier.limit(50)))
    approved = [r for r in rows if r.status == "approved"]
    return approved[0] if approved else (rows[0] if rows else None)


def summary_line(changes: list[Change]) -> str:
    """'changed: Status, Summary / aim; EMPTIED: Outcomes' for a table cell."""
    changed = [c.label for c in changes if not c.emptied]
    emptied = [c.label for c in changes if c.emptied]
    parts = ([f"changed: {', '.join(changed)}"] if changed else []) + (
        [f"EMPTIED: {', '.join(emptied)}"] if emptied else []
    )
    return "; ".join(parts) or "no field changed"
