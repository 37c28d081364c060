"""What the reviewer should know of a plan's other copies: a possible duplicate and why, the repeats
recorded against it, and what changed since the revision last approved (or the one before)."""

from __future__ import annotations

from typing import Any

from pipeline.store.plan_changes import baseline_row, field_changes, summary_line
from pipeline.store.reader import Reader


def plan_notes(reader: Reader, row: dict[str, Any]) -> dict[str, Any]:
    """possible_duplicate_of (File No), duplicate_reason, repeats and changes_summary, for a row read
    with its `possible_duplicate_file_no` and `repeats` (see review/queue.py's page query)."""
    earlier = baseline_row(reader, row)
    return {
        "possible_duplicate_of": row["possible_duplicate_file_no"] or "",
        "duplicate_reason": row["duplicate_reason"],
        "repeats": int(row["repeats"] or 0),
        "changes_summary": summary_line(field_changes(earlier, row)) if earlier is not None else "",
    }


def changes_since(reader: Reader, row: dict[str, Any]) -> dict[str, Any] | None:
    """The field-by-field difference from the revision it is compared with, or None for a first revision."""
    earlier = baseline_row(reader, row)
    if earlier is None:
        return None
    changes = field_changes(earlier, row)
    return {
        "compared_with": {"id": earlier["id"], "revision": earlier["revision"], "status": earlier["status"]},
        "fields": [c.as_dict() for c in changes],
        "emptied": [c.label for c in changes if c.emptied],
    }
