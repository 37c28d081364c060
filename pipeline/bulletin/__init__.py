"""The bi-monthly bulletin: periods, meetings, content, rendering, drafts.

Rendering (render.py) works from plain view-model dataclasses (content.py) and
needs no database; drafts.py builds those from approved submissions.
"""
from .content import AUDIENCES, STATUSES, BulletinContent, BulletinItem, ItemDate, content_from_dict, content_to_dict
from .inline import inline_css, inline_css_calls
from .meetings import last_working_day, upcoming_meetings
from .periods import Period, parse_period, period_for
from .personalise import PLACEHOLDERS, PREVIEW_VALUES, personalise
from .render import GMAIL_CLIP_BYTES, RenderedBulletin, render_all, render_bulletin

__all__ = [
    "AUDIENCES", "STATUSES", "BulletinContent", "BulletinItem", "ItemDate", "content_from_dict", "content_to_dict",
    "inline_css", "inline_css_calls", "last_working_day", "upcoming_meetings",
    "Period", "parse_period", "period_for", "PLACEHOLDERS", "PREVIEW_VALUES", "personalise",
    "GMAIL_CLIP_BYTES", "RenderedBulletin", "render_all", "render_bulletin",
]
