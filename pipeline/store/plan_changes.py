"""What changed between two revisions of a plan, field by field: for `mln show` and the bulletin preview.

It lives in the store so that both the review and the outbound flows can read it.

A box that had words and is now empty is called out: a member who resends an older
copy of the form, or a form whose reader lost a box, would otherwise quietly publish less.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipeline.store.columns import submission_columns
from pipeline.store.reader import id_list

if TYPE_CHECKING:  # `mln queue` and `mln show` compare through the reader, without SQLAlchemy
    from sqlalchemy.orm import Session

    from pipeline.store.models import Submission
    from pipeline.store.reader import Reader

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


def baseline_id_sql(item_id: str, revision: str) -> str:
    """SQL for the id of what a revision is compared with: its plan's last approved revision before
    it, else the one just before. `item_id` and `revision` are SQL (a column, or a placeholder)."""
    return (
        f"(SELECT b.id FROM submissions b WHERE b.item_id = {item_id} AND b.revision < {revision}"
        " ORDER BY CASE WHEN b.status = 'approved' THEN 0 ELSE 1 END, b.revision DESC LIMIT 1)"
    )


# The row a revision is compared with, by its plan and revision (the bulletin preview reads it by the ORM).
BASELINE_SQL = f"SELECT {submission_columns()} FROM submissions WHERE id = {baseline_id_sql(':item_id', ':revision')}"


def baseline(session: Session, row: Submission) -> Submission | None:
    """BASELINE_SQL for a mapped row, inside a transaction (the bulletin preview)."""
    from sqlalchemy import select, text

    from pipeline.store.models import Submission

    if row.item_id is None or row.revision is None:
        return None
    query = select(Submission).from_statement(text(BASELINE_SQL))
    return session.scalars(query, {"item_id": row.item_id, "revision": row.revision}).first()


def baseline_rows(reader: Reader, ids: list[int | None]) -> dict[int, dict[str, Any]]:
    """The rows of the given baseline ids (rows' `baseline_id_sql`; None for none), by id, in one query."""
    listed = id_list(ids)
    if not listed:
        return {}
    return {
        row["id"]: row for row in reader.rows(f"SELECT {submission_columns()} FROM submissions WHERE id IN ({listed})")
    }


def summary_line(changes: list[Change]) -> str:
    """'changed: Status, Summary / aim; EMPTIED: Outcomes' for a table cell."""
    changed = [c.label for c in changes if not c.emptied]
    emptied = [c.label for c in changes if c.emptied]
    parts = ([f"changed: {', '.join(changed)}"] if changed else []) + (
        [f"EMPTIED: {', '.join(emptied)}"] if emptied else []
    )
    return "; ".join(parts) or "no field changed"
