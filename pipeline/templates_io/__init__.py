"""Reporting templates: generate the blank form, read completed ones from any format, validate them.

Pure library, no database:
- `read_forms(filename, content_type, data, limits)` -> list[RawForm] for one attachment
  (raises a TemplateError subclass whose message is a sentence for the sender);
- `read_text_forms(text)` -> list[RawForm] for a message body;
- `read_body_forms(text, html)` -> the same, from the HTML part when the text part holds none;
- `validate_form(raw, network)` -> ValidatedForm(values, problems);
- `generate_template(fmt, network)` -> bytes of the blank form (docx, xlsx, csv, txt).
"""

from pipeline.templates_io.dates import LooseDate, parse_date, parse_date_pair
from pipeline.templates_io.extract import RawForm
from pipeline.templates_io.generate import CONTENT_TYPES, FORMATS, generate_template, template_filename, template_text
from pipeline.templates_io.reader import has_body_form, read_body_forms, read_forms, read_text_forms
from pipeline.templates_io.themes import match_choice, theme_code
from pipeline.templates_io.validate import STATUSES, ValidatedForm, validate_form

__all__ = [
    "CONTENT_TYPES",
    "FORMATS",
    "STATUSES",
    "LooseDate",
    "RawForm",
    "ValidatedForm",
    "generate_template",
    "has_body_form",
    "match_choice",
    "parse_date",
    "parse_date_pair",
    "read_body_forms",
    "read_forms",
    "read_text_forms",
    "template_filename",
    "template_text",
    "theme_code",
    "validate_form",
]
