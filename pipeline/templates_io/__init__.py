"""Reporting templates: generate the blank form, read completed ones from any format, validate them.

Pure library, no database:
- `read_forms(filename, content_type, data, limits)` -> list[RawForm] for one attachment
  (raises a TemplateError subclass whose message is a sentence for the sender);
- `read_text_forms(text)` -> list[RawForm] for a message body;
- `read_body_forms(text, html)` -> the same, from the HTML part when the text part holds none;
- `validate_form(raw, network)` -> ValidatedForm(values, problems);
- `generate_template(fmt, network)` -> bytes of the blank form (docx, xlsx, csv, txt).
"""

from __future__ import annotations

import importlib
from typing import Any

# Where each public name lives, imported on first use (PEP 562): `mln queue` needs only
# match_choice and parse_date, not the Word, Excel and PDF readers behind read_forms.
_HOMES = {
    "CONTENT_TYPES": "generate",
    "FORMATS": "generate",
    "LooseDate": "dates",
    "RawForm": "extract",
    "STATUSES": "validate",
    "ValidatedForm": "validate",
    "generate_template": "generate",
    "has_body_form": "reader",
    "match_choice": "themes",
    "parse_date": "dates",
    "parse_date_pair": "dates",
    "read_body_forms": "reader",
    "read_forms": "reader",
    "read_text_forms": "reader",
    "template_filename": "generate",
    "template_text": "generate",
    "theme_code": "themes",
    "validate_form": "validate",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
