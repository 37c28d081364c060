"""The smallest form that passes validation, for tests that change a box or two of it."""

from __future__ import annotations

from pipeline.templates_io import RawForm

BOXES = {
    "title": "Falls clinic",
    "theme": "1",
    "locality": "Leeds",
    "lead_name": "Jo",
    "lead_email": "jo@example.org",
    "status": "Planned",
    "summary": "Fewer falls.",
}


def small_form(**fields: str) -> RawForm:
    """The form with `fields` written over its boxes."""
    return RawForm({**BOXES, **fields})
