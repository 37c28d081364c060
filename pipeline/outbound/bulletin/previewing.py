"""A preview says whose copy it is: a line at the top naming the audience, sample values filled in.

Under that line, each updated plan's changes since its last published revision,
emptied boxes first-named, so the approver sees them before the readers do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from typing import Any

from pipeline.outbound.bulletin.audience import AUDIENCE_NAMES
from pipeline.outbound.bulletin.personalise import personalise
from pipeline.outbound.bulletin.render import RenderedBulletin
from pipeline.outbound.bulletin.revisions import ItemChanges, emptied_warnings

_NOTE_STYLE = "background:#fff3c4;color:#3d2e00;padding:8px 12px;font:bold 16px/1.4 Arial,sans-serif"
_EMPTIED_STYLE = ' style="color:#8a1c00;font-weight:bold"'
_CHANGES_STYLE = "background:#fffaf0;color:#2b2b2b;padding:8px 12px;font:16px/1.4 Arial,sans-serif"


def mark_preview(
    rendered: RenderedBulletin, values: dict[str, str], items: int, changes: Sequence[ItemChanges] = ()
) -> RenderedBulletin:
    """A preview with sample values filled in, a line at the top naming its audience, and what updates changed."""
    note = f"PREVIEW: the {AUDIENCE_NAMES.get(rendered.audience, rendered.audience)}, {items} item(s)"
    html = personalise(rendered.html, values, html=True)
    banner = f'<div role="note" style="{_NOTE_STYLE};border-bottom:2px solid #6b4a00">{note}</div>' + _changes_html(
        changes
    )
    html, found = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + banner, html, count=1)
    html = html if found else banner + html
    text = f"{note}\n{'=' * len(note)}\n\n" + _changes_text(changes) + personalise(rendered.text, values, html=False)
    warnings = rendered.warnings + emptied_warnings(changes)
    return RenderedBulletin(rendered.audience, rendered.subject, html, text, warnings)


def _heading(item: ItemChanges) -> str:
    return f"{item.file_no} {item.title}: revision {item.revision} against published revision {item.since_revision}"


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    words = str(value)
    return words if len(words) <= 160 else words[:157] + "..."


def _line(change: Any) -> str:
    mark = "EMPTIED " if change.emptied else ""
    return f"{mark}{change.label}: {_shown(change.old)} -> {_shown(change.new)}"


def _changes_text(changes: Sequence[ItemChanges]) -> str:
    if not changes:
        return ""
    lines = ["CHANGES SINCE THE LAST PUBLISHED REVISION (not part of the bulletin)"]
    for item in changes:
        lines.append(f"- {_heading(item)}")
        lines.extend(f"    {_line(c)}" for c in item.changes)
        if not item.changes:
            lines.append("    no field changed")
    return "\n".join(lines) + "\n\n"


def _changes_html(changes: Sequence[ItemChanges]) -> str:
    if not changes:
        return ""
    parts = [
        f'<div role="note" style="{_CHANGES_STYLE};border-bottom:2px solid #6b4a00">',
        '<p style="margin:0 0 4px;font-weight:bold">Changes since the last published revision '
        '(not part of the bulletin)</p><ul style="margin:0;padding-left:20px">',
    ]
    for item in changes:
        rows = "".join(f"<li{_EMPTIED_STYLE if c.emptied else ''}>{escape(_line(c))}</li>" for c in item.changes)
        parts.append(f"<li>{escape(_heading(item))}<ul>{rows or '<li>no field changed</li>'}</ul></li>")
    parts.append("</ul></div>")
    return "".join(parts)
