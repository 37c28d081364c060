"""The canonical fields of the reporting template: labels, accepted variants, guidance.

Labels are matched case, spacing and punctuation insensitively, so
"Key Theme:", "KEY-THEME" and "key theme" are the same label.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # as printed on the blank form
    guidance: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    multiline: bool = False  # free text: may run over several lines


FIELDS: tuple[Field, ...] = (
    Field(
        "file_no",
        "File No",
        "Leave blank for a new plan. To update a plan you sent before, give its File No (e.g. CH-2026-014).",
        ("file number", "file no.", "file ref", "file reference", "reference no", "ref no"),
    ),
    Field(
        "title",
        "Practice example / improvement / learning",
        "A short title for the improvement.",
        (
            "practice example",
            "improvement",
            "title",
            "project title",
            "name of project",
            "project",
            "practice example improvement",
            "improvement title",
            "practice example improvement learning",
            "title of project",
            "project name",
            "title of improvement",
            "name of improvement",
            "improvement plan title",
        ),
        required=True,
        multiline=True,
    ),
    Field(
        "theme",
        "Key theme",
        "One of the key themes listed below, by number or by name.",
        ("theme", "key themes", "key theme number", "theme number", "network theme", "theme area", "key theme area"),
        required=True,
    ),
    Field(
        "locality",
        "Location",
        "The town, borough or area where the work happens.",
        ("locality", "location locality", "area", "place", "site", "town", "borough", "location area"),
        required=True,
    ),
    Field("region", "Region", "Optional: one of the network's regions listed below.", ("network region", "nhs region")),
    Field(
        "organisation",
        "Organisation",
        "The lead organisation.",
        ("organization", "lead organisation", "lead organization", "organisation name", "trust", "agency", "org"),
    ),
    Field(
        "organisation_type",
        "Organisation type",
        "For example Mental Health Trust, Primary Care Trust, Acute Trust, Social Care, 3rd Sector.",
        ("organization type", "type of organisation", "type of organization", "sector", "organisation category"),
    ),
    Field(
        "lead_name",
        "Lead contact name",
        "The person to contact about this work.",
        (
            "lead contact",
            "lead name",
            "contact name",
            "contact",
            "lead",
            "name",
            "lead contact s name",
            "contact person",
            "project lead",
            "named lead",
            "lead person",
            "lead officer",
            "contact details",
        ),
        required=True,
    ),
    Field(
        "lead_email",
        "Lead contact email",
        "Their email address, e.g. name@example.nhs.uk.",
        (
            "lead email",
            "email",
            "e mail",
            "email address",
            "contact email",
            "lead contact e mail",
            "lead e mail",
            "e mail address",
            "email of lead",
            "lead contact email address",
        ),
        required=True,
    ),
    Field(
        "status",
        "Status",
        "Write Planned, Being implemented or Implemented.",
        (
            "progress",
            "stage",
            "current status",
            "implementation status",
            "progress status",
            "status planned being implemented implemented",
        ),
        required=True,
    ),
    Field(
        "date_commenced",
        "Date commenced",
        "When the work started or will start, e.g. June 2006 or 07/09/2006.",
        (
            "commenced",
            "start date",
            "date started",
            "started",
            "date commenced file updated",
            "date commenced updated",
            "commencement date",
            "start",
            "date of commencement",
        ),
    ),
    Field(
        "date_updated",
        "Date updated",
        "When this file was last updated, if it is an update.",
        ("file updated", "updated", "last updated", "date file updated", "date of update"),
    ),
    Field(
        "completion_date",
        "Completion, implementation or evaluation date",
        "When it was or will be completed, implemented or evaluated.",
        (
            "completion date",
            "implementation date",
            "evaluation date",
            "completion implementation evaluation date",
            "completion implementation or evaluation date",
            "date of completion",
            "end date",
            "due date",
            "completion",
            "date completed",
            "evaluation",
        ),
    ),
    Field(
        "summary",
        "Summary / aim",
        "What are you trying to accomplish?",
        (
            "summary",
            "aim",
            "aims",
            "summary aim",
            "aim what are you trying to accomplish",
            "what are you trying to accomplish",
            "summary aim what are you trying to accomplish",
            "description",
            "brief description",
            "project aim",
            "aim of project",
            "aims and objectives",
            "project summary",
        ),
        required=True,
        multiline=True,
    ),
    Field(
        "actions",
        "Actions",
        "What was done - the changes tried, PDSA cycles.",
        (
            "what was done",
            "pdsa cycles",
            "actions pdsa cycles",
            "actions what was done",
            "what was done pdsa cycles",
            "action",
            "changes",
            "change ideas",
            "actions taken",
            "what did you do",
        ),
        multiline=True,
    ),
    Field(
        "outcomes",
        "Outcomes",
        "Measures and evidence. How do you know the change is an improvement?",
        (
            "outcome",
            "measures",
            "measures and evidence",
            "outcomes measures and evidence",
            "results",
            "evidence",
            "impact",
            "what happened",
        ),
        multiline=True,
    ),
    Field(
        "learning",
        "Learning",
        "What worked and what did not.",
        (
            "what worked what did not",
            "lessons learned",
            "lessons learnt",
            "learning points",
            "what worked and what did not",
            "learning what worked what did not",
            "key learning",
            "what did you learn",
            "what have you learnt",
        ),
        multiline=True,
    ),
    Field(
        "link",
        "Link",
        "Optional: a web link (https://...) to more about this work.",
        ("web link", "target link", "url", "website", "more information", "web address", "link to more"),
    ),
    Field(
        "share_externally",
        "Share externally",
        "Yes or No. May this appear in the external bulletin, with the contact details?",
        (
            "share",
            "external",
            "share externally yes no",
            "may this appear in the external bulletin",
            "external bulletin",
            "may this appear in the external bulletin with contact details",
            "publish externally",
            "ok to share externally",
            "consent to share",
            "share outside the network",
        ),
    ),
    Field(
        "further_information",
        "Further information",
        "Optional: anything else, such as partners or funding.",
        (
            "additional information",
            "other information",
            "any other information",
            "any other comments",
            "other comments",
            "comments",
            "additional notes",
            "notes",
            "anything else",
        ),
        multiline=True,
    ),
)
FIELDS_BY_KEY = {f.key: f for f in FIELDS}
REQUIRED = tuple(f.key for f in FIELDS if f.required)
# Labels of boxes some local versions of the form add; kept, with their label, as further information.
EXTRA_LABELS = (
    "partners",
    "partner organisations",
    "partner organizations",
    "partnership",
    "funding",
    "funding source",
    "budget",
    "cost",
    "costs",
    "resources",
    "stakeholders",
    "next steps",
    "timescales",
    "risks",
    "sustainability",
    "co production",
    "service user involvement",
    "patient involvement",
    "equality impact",
    "references",
)


def normalise_label(text: str) -> str:
    """Lower case, '&' as 'and', punctuation as spaces, no leading numbering or trailing '(required)'."""
    text = (text or "").lower().replace("&", " and ")
    text = re.sub(r"\((required|optional|mandatory)\)|\*", " ", text)
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r"^(\d{1,2}|[a-z])\s+(?=[a-z]{2})", "", text)  # "1. Title", "a) Title"
    return text


def _build_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in FIELDS:
        for name in (f.key.replace("_", " "), f.label, *f.aliases):
            index.setdefault(normalise_label(name), f.key)
    return index


_INDEX = _build_index()


@functools.lru_cache(maxsize=8192)
def match_label(text: str) -> str | None:
    """The field key a label names, or None. Close misspellings of longer labels count."""
    norm = normalise_label(text)
    if not norm or len(norm) > 90:
        return None
    if norm in _INDEX:
        return _INDEX[norm]
    if 6 <= len(norm) <= 60:
        close = difflib.get_close_matches(norm, list(_INDEX), n=1, cutoff=0.88)
        if close:
            return _INDEX[close[0]]
    return None


# Guidance printed by earlier versions of the blank form: copies of those are still being filled in.
PAST_GUIDANCE = ("Their email address.", "Planned, Being implemented or Implemented.")
# Prompts Word and form makers put in an empty box; left in place they are not an answer.
PLACEHOLDERS = (
    "Click or tap here to enter text.",
    "Click here to enter text.",
    "Click or tap to enter a date.",
    "Click here to enter a date.",
    "Choose an item.",
    "Enter text here",
    "Type here",
    "Insert text here",
    "Please complete",
)
_GUIDANCE = {normalise_label(g) for g in (*(f.guidance for f in FIELDS), *PAST_GUIDANCE, *PLACEHOLDERS)}


def is_guidance(text: str) -> bool:
    """A line of the form's own guidance (the small print under a label), not an answer."""
    return len(text) < 200 and normalise_label(text) in _GUIDANCE
