"""The bi-monthly bulletin: periods, meetings, content, rendering, drafts.

Rendering (render.py) works from plain view-model dataclasses (content.py) and
needs no database; drafts.py builds those from approved submissions.

The renderer's names are imported on first use (PEP 562): it brings in the CSS
inliner (premailer, cssutils, lxml), a fifth of a second that every `mln`
command would pay otherwise, even those that never render.
"""

from __future__ import annotations

import importlib
from typing import Any

from pipeline.outbound.bulletin.content import (
    AUDIENCES,
    STATUSES,
    BulletinContent,
    BulletinItem,
    ItemDate,
    content_from_dict,
    content_to_dict,
)
from pipeline.outbound.bulletin.meetings import last_working_day, upcoming_meetings
from pipeline.outbound.bulletin.personalise import PLACEHOLDERS, PREVIEW_VALUES, personalise
from pipeline.periods import Period, parse_period, period_for

_LAZY = {
    "inline_css": "inline",
    "inline_css_calls": "inline",
    "GMAIL_CLIP_BYTES": "render",
    "RenderedBulletin": "render",
    "render_all": "render",
    "render_bulletin": "render",
}

__all__ = [
    "AUDIENCES",
    "STATUSES",
    "BulletinContent",
    "BulletinItem",
    "ItemDate",
    "content_from_dict",
    "content_to_dict",
    "last_working_day",
    "upcoming_meetings",
    "Period",
    "parse_period",
    "period_for",
    "PLACEHOLDERS",
    "PREVIEW_VALUES",
    "personalise",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
