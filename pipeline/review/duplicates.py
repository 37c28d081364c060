"""What the reviewer should know of a plan's other copies: a possible duplicate and why, the repeats
recorded against it, and what changed since the revision last approved (or the one before)."""

from __future__ import annotations

from typing import Any

from pipeline.store.columns import submission_columns
from pipeline.store.plan_changes import baseline_id_sql, baseline_rows, field_changes, summary_line
from pipeline.store.reader import Reader

# Submissions with their File No (item_file_no) and what `plan_notes` needs: the possible
# duplicate's File No, the repeats recorded (audit events, on their (submission_id, at) index)
# and the id of the revision it is compared with. The queue lists these rows and `show` reads
# one; each adds its WHERE.
PLAN_ROWS = f"""
    SELECT {submission_columns("s")}, i.file_no AS item_file_no, d.file_no AS possible_duplicate_file_no,
           (SELECT COUNT(*) FROM audit_events a WHERE a.submission_id = s.id AND a.action = 'repeat') AS repeats,
           {baseline_id_sql("s.item_id", "s.revision")} AS baseline_id
    FROM submissions s
    LEFT JOIN items i ON i.id = s.item_id
    LEFT JOIN items d ON d.id = s.possible_duplicate_of_id"""


def plan_notes(reader: Reader, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each row read by PLAN_ROWS: possible_duplicate_of (File No), duplicate_reason, repeats and
    changes_summary. The revisions compared with are read in one query, not one per row."""
    baselines = baseline_rows(reader, [row["baseline_id"] for row in rows])
    return [notes(row, baselines.get(row["baseline_id"])) for row in rows]


def notes(row: dict[str, Any], earlier: dict[str, Any] | None) -> dict[str, Any]:
    """`plan_notes` for one row, given the revision it is compared with (None for a first revision)."""
    return {
        "possible_duplicate_of": row["possible_duplicate_file_no"] or "",
        "duplicate_reason": row["duplicate_reason"],
        "repeats": int(row["repeats"] or 0),
        "changes_summary": summary_line(field_changes(earlier, row)) if earlier is not None else "",
    }


def changes_since(row: dict[str, Any], earlier: dict[str, Any] | None) -> dict[str, Any] | None:
    """The field-by-field difference from the revision it is compared with, or None for a first revision."""
    if earlier is None:
        return None
    changes = field_changes(earlier, row)
    return {
        "compared_with": {"id": earlier["id"], "revision": earlier["revision"], "status": earlier["status"]},
        "fields": [c.as_dict() for c in changes],
        "emptied": [c.label for c in changes if c.emptied],
    }
