"""A submission as the reviewer should see it: as it will read in the bulletin, then what needs a decision.

Plain sections (heading, text) from `show_submission`'s dict, so the interactive
review (pipeline/review/tui.py) and any other view draw the same thing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

# The bulletin's own order: what the plan is, where, who leads it, how far it has got, then its story.
STORY = (("summary", "Aim"), ("actions", "Actions"), ("outcomes", "Outcomes"), ("learning", "Learning"))


def plan_heading(detail: dict[str, Any]) -> str:
    file_no = detail.get("file_no") or "no File No yet"
    revision = f", revision {detail['revision']}" if detail.get("is_update") and detail.get("revision") else ""
    return f"{detail.get('title') or '(no title)'}  [{file_no}{revision}]"


def plan_facts(detail: dict[str, Any]) -> list[tuple[str, str]]:
    lead = detail.get("lead_name") or ""
    if detail.get("lead_email"):
        lead = f"{lead} <{detail['lead_email']}>".strip()
    place = ", ".join(p for p in (detail.get("locality"), detail.get("region")) if p)
    facts = [
        ("Theme", detail.get("theme") or "(none)"),
        ("Locality", place or "(none)"),
        ("Lead", lead or "(none)"),
        ("Status", detail.get("progress") or "(not given)"),
        ("Review", detail.get("status") or ""),
        ("Sent by", _sender(detail)),
        ("Share externally", _consent(detail.get("share_externally"))),
    ]
    return [(label, value) for label, value in facts if value]


def plan_story(detail: dict[str, Any]) -> list[tuple[str, str]]:
    return [(heading, (detail.get(key) or "").strip() or "(empty)") for key, heading in STORY]


def plan_warnings(detail: dict[str, Any]) -> list[str]:
    """Problems with the form, and a possible duplicate when the intake marked one."""
    warnings = [f"Problem: {p}" for p in detail.get("problems") or []]
    if detail.get("possible_duplicate_of_id") is not None:
        why = detail.get("duplicate_reason") or "the intake found a similar plan"
        warnings.append(f"Possible duplicate of plan #{detail['possible_duplicate_of_id']}: {why}")
    return warnings


# What a reviewer compares between two revisions of one plan, with the words shown for each.
COMPARED = (
    ("title", "Title"),
    ("theme", "Theme"),
    ("locality", "Locality"),
    ("lead_name", "Lead"),
    ("lead_email", "Lead email"),
    ("progress", "Status"),
    ("date_commenced", "Date commenced"),
    ("completion_date", "Completion date"),
    *STORY,
)


def previous_revision_id(detail: dict[str, Any]) -> int | None:
    """The submission id of the revision before this one, if this is an update."""
    earlier = [r for r in detail.get("revisions") or [] if (r["revision"] or 0) < (detail.get("revision") or 0)]
    return max(earlier, key=lambda r: r["revision"])["id"] if earlier else None


def changes_since(detail: dict[str, Any], previous: dict[str, Any]) -> list[str]:
    """One line per field that differs from the previous revision: 'Outcomes: was "...", now "..."'."""
    lines = []
    for key, label in COMPARED:
        old, new = previous.get(key) or "", detail.get(key) or ""
        if old != new:
            lines.append(f"{label}: was {_short(old)!r}, now {_short(new)!r}")
    return lines


def _short(value: Any, limit: int = 100) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _consent(value: bool | None) -> str:
    return "not answered" if value is None else "yes" if value else "no"


def _sender(detail: dict[str, Any]) -> str:
    name, address = detail.get("sender_name") or "", detail.get("sender") or ""
    who = f"{name} <{address}>" if name and address else name or address
    return who + (" (unknown sender)" if detail.get("unknown_sender") else "")


def draft_changes_reply(detail: dict[str, Any]) -> str:
    """The starting text of a changes request, for the reviewer to edit."""
    if detail.get("problems"):
        return "Please correct the problems listed below and send the form back."
    return "Please add the outcomes you have measured so far, and send the form back."


def _when(stamp: str | None) -> str:
    """'2026-12-06T07:30:56.46+00:00' -> '6 Dec 2026 07:30 UTC'."""
    if not stamp:
        return "unknown"
    value = dt.datetime.fromisoformat(stamp).astimezone(dt.UTC)
    return f"{value.day} {value:%b %Y %H:%M} UTC"


def original_message_text(detail: dict[str, Any]) -> str:
    message = detail.get("message")
    if not message:
        return "This submission has no stored message."
    name = message.get("from_name") or ""
    head = [
        f"From: {name} <{message.get('from')}>" if name else f"From: {message.get('from')}",
        f"Subject: {message.get('subject')}",
        f"Received: {_when(message.get('received_at'))}",
    ]
    attachment = detail.get("attachment")
    if attachment:
        head.append(f"Form file: {attachment['filename']} ({attachment['size']} bytes)")
    return "\n".join(head) + "\n\n" + (message.get("text") or "(no text part)")
