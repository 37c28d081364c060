"""A submission's fields in words for people (`mln show`): the form's own labels, dates as written.

`--json` keeps the column names and ISO dates, which scripts depend on; this is only the human view.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.commands.output import human_time

# Column -> the label a member and a communications lead know it by, in the form's order.
LABELS = {
    "title": "Title",
    "theme": "Key theme",
    "locality": "Location",
    "region": "Region",
    "organisation": "Organisation",
    "organisation_type": "Organisation type",
    "lead_name": "Lead contact",
    "lead_email": "Lead contact email",
    "progress": "Status",
    "date_commenced": "Date commenced",
    "date_updated": "Date updated",
    "completion_date": "Completion date",
    "completion_note": "Completion note",
    "summary": "Summary / aim",
    "actions": "Actions",
    "outcomes": "Outcomes",
    "learning": "Learning",
    "link": "Link",
    "share_externally": "Share externally",
    "file_no_given": "File No on the form",
    "is_update": "Update of an earlier revision",
    "possible_duplicate_of_id": "Possible duplicate of plan",
    "duplicate_reason": "Why a possible duplicate",
    "sender_name": "Sent by",
    "sender": "Sender address",
    "unknown_sender": "Sender not a known member",
    "source": "Read from",
    "received_at": "Received",
    "reply_id": "Acknowledgement (outbox id)",
    "reviewed_by": "Last decision by",
    "reviewed_at": "Last decision at",
    "approved_at": "Approved at",
}
# Shown by other lines (the heading, a date's precision), or internal.
_NOT_SHOWN = {
    "revision",
    "theme_number",
    "date_commenced_precision",
    "date_commenced_planned",
    "date_updated_precision",
    "completion_date_precision",
    "content_hash",
}
_TIMES = {"received_at", "reviewed_at", "approved_at"}
_DATES = {"date_commenced", "date_updated", "completion_date"}


def field_lines(detail: dict[str, Any], skip: set[str], zone: str | None = None) -> list[tuple[str, str]]:
    """(label, text) for every field with a value, known fields in the form's order, others after."""
    keys = [k for k in LABELS if k in detail] + [k for k in detail if k not in LABELS]
    lines = []
    for key in keys:
        value = detail[key]
        empty = value is None or value is False and key != "share_externally" or value in ("", [], {})
        if key in skip or key in _NOT_SHOWN or empty:
            continue
        lines.append((LABELS.get(key, key.replace("_", " ").capitalize()), _text(key, value, detail, zone)))
    return lines


def _text(key: str, value: Any, detail: dict[str, Any], zone: str | None) -> str:
    if key in _TIMES:
        return human_time(value, zone)
    if key in _DATES:
        shown = loose_date(value, detail.get(f"{key}_precision", ""))
        return f"{shown} (planned)" if key == "date_commenced" and detail.get("date_commenced_planned") else shown
    if key == "theme" and detail.get("theme_number"):
        return f"{detail['theme_number']}. {value}"
    if value is True:
        return "yes"
    if key == "share_externally" and value is False:
        return "no"
    return str(value)


def loose_date(iso_date: str, precision: str) -> str:
    """A stored date as precise as the member was: 'Jun 2006', 'Q2 2025/26', '3 Mar 2026'."""
    try:
        day = dt.date.fromisoformat(iso_date)
    except (TypeError, ValueError):
        return str(iso_date)
    if precision == "month":
        return f"{day:%b %Y}"
    if precision == "quarter":
        # The NHS financial year starts in April: Q1 is April to June.
        start = day.year if day.month >= 4 else day.year - 1
        return f"Q{(day.month - 4) % 12 // 3 + 1} {start}/{(start + 1) % 100:02d}"
    return f"{day.day} {day:%b %Y}"
