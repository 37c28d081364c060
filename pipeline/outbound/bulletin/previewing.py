"""A preview says whose copy it is: a line at the top naming the audience, sample values filled in."""

from __future__ import annotations

import re

from pipeline.outbound.bulletin.audience import AUDIENCE_NAMES
from pipeline.outbound.bulletin.personalise import personalise
from pipeline.outbound.bulletin.render import RenderedBulletin


def mark_preview(rendered: RenderedBulletin, values: dict[str, str], items: int) -> RenderedBulletin:
    """A preview with sample values filled in and a line at the top naming its audience."""
    note = f"PREVIEW: the {AUDIENCE_NAMES.get(rendered.audience, rendered.audience)}, {items} item(s)"
    html = personalise(rendered.html, values, html=True)
    banner = (
        '<div role="note" style="background:#fff3c4;color:#3d2e00;padding:8px 12px;'
        'font:bold 16px/1.4 Arial,sans-serif;border-bottom:2px solid #6b4a00">' + note + "</div>"
    )
    html, found = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + banner, html, count=1)
    html = html if found else banner + html
    text = f"{note}\n{'=' * len(note)}\n\n" + personalise(rendered.text, values, html=False)
    return RenderedBulletin(rendered.audience, rendered.subject, html, text, rendered.warnings)
