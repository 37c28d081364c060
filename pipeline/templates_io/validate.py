"""Check one form and turn its text into clean values, with each problem as a plain-English sentence."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.config import NetworkSettings
from pipeline.templates_io.dates import DateProblem, LooseDate, parse_date, parse_date_pair
from pipeline.templates_io.extract import RawForm
from pipeline.templates_io.fields import FIELDS, FIELDS_BY_KEY
from pipeline.templates_io.themes import count_words, match_choice

STATUSES = ("Planned", "Being implemented", "Implemented")
_STATUS_WORDS = {
    "Planned": ("planned", "planning", "to commence", "not started", "not yet started", "proposed", "plan", "future", "pending"),
    "Being implemented": ("being implemented", "in progress", "ongoing", "on going", "underway", "under way", "started",
                          "implementing", "in hand", "up and running", "live", "current", "active", "piloting", "pilot"),
    "Implemented": ("implemented", "complete", "completed", "done", "finished", "fully implemented", "achieved", "evaluated",
                    "embedded"),
}
_YES = {"yes", "y", "true", "1", "ok", "agreed", "yes please", "share", "x"}
_NO = {"no", "n", "false", "0", "internal only", "not", "do not share", "dont share", "no thanks"}
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_EMAIL_IN_TEXT = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
FILE_NO = re.compile(r"^(?:[A-Z0-9]{1,10}-)?[A-Z]{2}\d?-\d{4}-\d{3,}$")
MAX_TITLE = 200
MAX_TEXT = 10_000


@dataclass
class ValidatedForm:
    raw: RawForm
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def label(key: str) -> str:
    return FIELDS_BY_KEY[key].label


def validate_form(raw: RawForm, network: NetworkSettings, today: dt.date | None = None) -> ValidatedForm:
    """Clean values plus problems. A form with problems is still kept (status needs_changes)."""
    today = today or dt.date.today()
    form = ValidatedForm(raw)
    for f in FIELDS:
        text = raw.get(f.key).strip()
        form.values[f.key] = text
        if len(text) > MAX_TEXT:
            form.problems.append(f"{f.label} is {len(text)} characters long; please keep it under {MAX_TEXT}.")
    _lead_contact(form)
    _required(form)
    _theme(form, network)
    _region(form, network)
    _organisation_type(form, network)
    _email(form)
    _dates(form, today)
    _status(form)
    _share(form)
    _link(form)
    _file_no(form)
    if len(form.values["title"]) > MAX_TITLE:
        form.problems.append(f"The title is {len(form.values['title'])} characters long; please shorten it to {MAX_TITLE} or fewer "
                             "and put the detail in Summary / aim.")
    return form


def _lead_contact(form: ValidatedForm) -> None:
    """'Jo Bloggs <jo@example.org>' or 'Jo Bloggs, jo@example.org' in the name box: split it."""
    name, email = form.values["lead_name"], form.values["lead_email"]
    found = _EMAIL_IN_TEXT.search(name)
    if found:
        form.values["lead_name"] = re.sub(r"[\s,;<>()\[\]]+$", "", name[:found.start()]).strip(" ,;<(") or ""
        if not email:
            form.values["lead_email"] = email = found.group(0)
    if email.lower().startswith("mailto:"):
        form.values["lead_email"] = email[len("mailto:"):]
    form.values["lead_email"] = form.values["lead_email"].strip().strip("<>").strip()


def _required(form: ValidatedForm) -> None:
    for f in FIELDS:
        if f.required and not form.values[f.key] and not (f.key == "status" and _planned_start(form)):
            form.problems.append(f"{f.label} is missing; please fill it in. {f.guidance}")


def _planned_start(form: ValidatedForm) -> bool:
    return bool(re.search(r"\bto\s+commence\b|\bplanned\b", form.raw.get("date_commenced"), re.I))


def _theme(form: ValidatedForm, network: NetworkSettings) -> None:
    text = form.values["theme"]
    form.values["theme_number"] = None
    if not text:
        return
    match = match_choice(text, network.themes)
    if match.ok:
        form.values["theme"], form.values["theme_number"] = match.name, match.number
        return
    count = count_words(len(network.themes))
    sentence = f"Key theme '{text}' is not one of the {count} key themes"
    if match.suggestions:
        sentence += f"; did you mean '{match.suggestions[0]}'?"
    else:
        sentence += f"; please give its number (1 to {len(network.themes)}) or its name from the list on the form."
    form.problems.append(sentence)


def _region(form: ValidatedForm, network: NetworkSettings) -> None:
    text = form.values["region"]
    if not text or not network.regions:
        return
    match = match_choice(text, network.regions, numbered=False, with_parts=False)
    if match.ok:
        form.values["region"] = match.name
        return
    hint = f"did you mean '{match.suggestions[0]}'?" if match.suggestions else "please leave it blank or choose one of " + ", ".join(network.regions) + "."
    form.problems.append(f"Region '{text}' is not one of the network's regions; {hint}")


def _organisation_type(form: ValidatedForm, network: NetworkSettings) -> None:
    text = form.values["organisation_type"]
    if text:
        match = match_choice(text, network.organisation_types, numbered=False, with_parts=False)
        if match.ok:  # anything else is kept as written: the list is a guide, not a rule
            form.values["organisation_type"] = match.name


def _email(form: ValidatedForm) -> None:
    email = form.values["lead_email"]
    if email and not EMAIL.match(email):
        form.problems.append(f"Lead contact email '{email}' is not a valid email address; please check it (it should look like name@example.nhs.uk).")


def _dates(form: ValidatedForm, today: dt.date) -> None:
    commenced_text = form.values["date_commenced"]
    form.values["date_commenced"] = form.values["date_updated"] = form.values["completion_date"] = None
    try:
        commenced, updated = parse_date_pair(commenced_text, today)
        form.values["date_commenced"] = commenced
        if updated is not None and not form.raw.get("date_updated"):
            form.values["date_updated"] = updated
    except DateProblem as exc:
        form.problems.append(f"Date commenced {exc}.")
    form.values["completion_note"] = ""
    for key in ("date_updated", "completion_date"):
        text = form.raw.get(key).strip()
        if not text:
            continue
        try:
            form.values[key] = parse_date(text, today)
        except DateProblem as exc:
            if key == "completion_date" and len(text.split()) >= 3:
                # The index's column held notes too ("up and running", "updated September to
                # include learning events"): keep a sentence as a note rather than refuse it.
                form.values["completion_note"] = text
                continue
            form.problems.append(f"{label(key)} {exc}.")
    for key in ("date_commenced", "date_updated", "completion_date"):
        value: LooseDate | None = form.values[key]
        if value is not None and not 1990 <= value.date.year <= today.year + 10:
            form.problems.append(f"{label(key)} is in {value.date.year}, which looks like a typing slip; please check the year.")


def _status(form: ValidatedForm) -> None:
    text = form.values["status"]
    if not text:
        form.values["status"] = "Planned" if _planned_start(form) else ""
        return
    found = normalise_status(text)
    if found:
        form.values["status"] = found
    else:
        form.problems.append(f"Status '{text}' is not one we know; please write Planned, Being implemented or Implemented.")


_TICKED = re.compile(r"(?:[\u2612\u2611\u2713\u2714\u2716]|\[\s*[xX]\s*\]|\(\s*[xX]\s*\))\s*([A-Za-z][A-Za-z ]*)")


def normalise_status(text: str) -> str | None:
    """'in progress' -> 'Being implemented', 'completed' -> 'Implemented', 'to commence' -> 'Planned'.

    A line of tick boxes ("[ ] Planned [x] Being implemented") counts the ticked one.
    """
    ticked = _TICKED.search(text)
    if ticked:
        text = re.split(r"[\u2610\[(]", ticked.group(1))[0]
    norm = re.sub(r"[^a-z]+", " ", text.lower()).strip()
    for status, words in _STATUS_WORDS.items():
        if norm in words:
            return status
    for status in ("Being implemented", "Implemented", "Planned"):  # "being implemented" before "implemented"
        if any(re.search(rf"\b{re.escape(w)}\b", norm) for w in _STATUS_WORDS[status] if len(w) > 4):
            return status
    return None


def _share(form: ValidatedForm) -> None:
    text = form.values["share_externally"]
    norm = re.sub(r"[^a-z0-9 ]+", "", text.lower()).strip()
    if not norm:
        form.values["share_externally"] = None
    elif norm in _YES or norm.startswith("yes"):
        form.values["share_externally"] = True
    elif norm in _NO or norm.startswith("no"):
        form.values["share_externally"] = False
    else:
        form.values["share_externally"] = None
        form.problems.append(f"Share externally '{text}' should be Yes or No.")


def _link(form: ValidatedForm) -> None:
    link = form.values["link"]
    if not link:
        return
    if link.lower().startswith("www."):
        link = "https://" + link
    if not re.match(r"^https?://[^\s<>\"]+$", link, re.I):
        form.problems.append(f"Link '{form.values['link']}' is not a web address; please give one starting with https:// or leave it blank.")
        return
    form.values["link"] = link


def _file_no(form: ValidatedForm) -> None:
    text = re.sub(r"\s+", "", form.values["file_no"]).upper()
    form.values["file_no"] = text
    if text and not FILE_NO.match(text):
        form.problems.append(f"File No '{form.values['file_no']}' is not a File No we issue (they look like CH-2026-014); "
                             "leave it blank for a new plan.")
