"""Read and check a form file outside the mail flow: what `mln form FILE` shows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.config import Settings
from pipeline.templates_io.dates import LooseDate
from pipeline.templates_io.reader import read_forms
from pipeline.templates_io.validate import ValidatedForm, validate_form


def check_form_file(filename: str, data: bytes, settings: Settings) -> list[ValidatedForm]:
    """Every form in the file, validated. Raises TemplateError when the file cannot be read."""
    return [validate_form(raw, settings.network) for raw in read_forms(filename, "", data, settings.limits)]


def form_summary(form: ValidatedForm) -> dict[str, Any]:
    """Plain values (dates with their precision and the text as written), problems and notes, for printing or JSON.

    `share_externally` is how the consent box was read: yes, no, blank (not answered) or unclear.
    """
    values: dict[str, Any] = {}
    for key, value in form.values.items():
        if isinstance(value, LooseDate):
            values[key] = {
                "date": value.date.isoformat(),
                "precision": value.precision,
                "planned": value.planned,
                "written": value.written,
            }
        elif isinstance(value, dt.date):
            values[key] = value.isoformat()
        else:
            values[key] = value
    return {
        "source": form.raw.source,
        "ok": form.ok,
        "problems": list(form.problems),
        "notes": list(form.notes),
        "share_externally": form.share.state if not form.share.chosen else ("yes" if form.share.value else "no"),
        "values": values,
        "macros_ignored": form.raw.macros,
    }
