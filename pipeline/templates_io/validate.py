"""Check one form and turn its text into clean values, with each problem as a plain-English sentence."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline.config import NetworkSettings
from pipeline.templates_io.choices import BLANK, Reading
from pipeline.templates_io.consent import read_consent
from pipeline.templates_io.dates import DateProblem, LooseDate, not_known, parse_date, parse_date_pair
from pipeline.templates_io.extract import RawForm
from pipeline.templates_io.fields import FIELDS, FIELDS_BY_KEY
from pipeline.templates_io.status import STATUSES, read_status, status_words
from pipeline.templates_io.themes import count_words, match_choice, match_loosely

EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_EMAIL_IN_TEXT = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
FILE_NO = re.compile(r"^(?:[A-Z0-9]{1,10}-)?[A-Z]{2}\d?-\d{4}-\d{3,}$")
# A File No written loosely: any case, spaces or other dashes between its parts, punctuation around it.
_LOOSE_FILE_NO = re.compile(
    r"(?<![A-Z0-9])(?:([A-Z0-9]{1,10})\s?[\-_\u2010-\u2015]\s?)?([A-Z]{2}\d?)[\s\-_/.\u2010-\u2015]*"
    r"(\d{4})[\s\-_/.\u2010-\u2015]*(\d{1,6})(?![0-9])"
)
_NOT_GIVEN = re.compile(r"^(n ?/ ?a|n\.a|not applicable|none|nil|-+|\?+|tbc|unknown|not known)$", re.IGNORECASE)
_NO_FILE_NO = re.compile(
    r"^(n ?/ ?a|n\.a\.?|none|nil|new|new plan|new project|new submission|not applicable|tbc|unknown|"
    r"not known|no|-+|\?+|blank|leave blank|not yet|not issued)$",
    re.IGNORECASE,
)
MAX_TITLE = 200
MAX_TEXT = 10_000


@dataclass
class ValidatedForm:
    """Clean values; `problems` send the form back (needs changes); `notes` only tell the member how a box was read."""

    raw: RawForm
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    share: Reading = field(
        default_factory=lambda: Reading(BLANK)
    )  # the Share externally box as read: yes/no, blank, unclear

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
    _file_no(form, network)
    if len(form.values["title"]) > MAX_TITLE:
        form.problems.append(
            f"The title is {len(form.values['title'])} characters long; please shorten it to {MAX_TITLE} or fewer "
            "and put the detail in Summary / aim."
        )
    return form


def _lead_contact(form: ValidatedForm) -> None:
    """'Jo Bloggs <jo@example.org>' or 'Jo Bloggs, jo@example.org' in the name box: split it."""
    name, email = form.values["lead_name"], form.values["lead_email"]
    found = _EMAIL_IN_TEXT.search(name)
    if found:
        form.values["lead_name"] = re.sub(r"[\s,;<>()\[\]]+$", "", name[: found.start()]).strip(" ,;<(") or ""
        if not email:
            form.values["lead_email"] = email = found.group(0)
    if email.lower().startswith("mailto:"):
        form.values["lead_email"] = email[len("mailto:") :]
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
    """Optional: the list entry it clearly names, else kept as written with a note; never a reason to send it back."""
    text = form.values["region"]
    if _NOT_GIVEN.match(text.strip(" .")):
        form.values["region"] = ""
        return
    if not text or not network.regions:
        return
    match = match_loosely(text, network.regions)
    if match.ok:
        form.values["region"] = match.name
        return
    form.notes.append(
        f"Region '{text}' is not one of the network's regions ({', '.join(network.regions)}); "
        "we have kept it as you wrote it."
    )


def _organisation_type(form: ValidatedForm, network: NetworkSettings) -> None:
    text = form.values["organisation_type"]
    if text:
        match = match_loosely(text, network.organisation_types)
        if match.ok:  # anything else is kept as written: the list is a guide, not a rule
            form.values["organisation_type"] = match.name


def _email(form: ValidatedForm) -> None:
    email = form.values["lead_email"]
    if email and not EMAIL.match(email):
        form.problems.append(
            f"Lead contact email '{email}' is not a valid email address; please check it (it should look like name@example.nhs.uk)."
        )


def _dates(form: ValidatedForm, today: dt.date) -> None:
    """Dates are optional: words that name no date are kept as written (in raw_fields) and quoted back, not refused;
    only a mistyped date ("31/02/2006", a year of 20066) is sent back to be corrected."""
    commenced_text = form.values["date_commenced"]
    form.values["date_commenced"] = form.values["date_updated"] = form.values["completion_date"] = None
    try:
        commenced, updated = parse_date_pair(commenced_text, today)
        form.values["date_commenced"] = commenced
        if updated is not None and not form.raw.get("date_updated"):
            form.values["date_updated"] = updated
    except DateProblem as exc:
        _date_problem(form, "date_commenced", exc)
    form.values["completion_note"] = ""
    for key in ("date_updated", "completion_date"):
        text = form.raw.get(key).strip()
        if not text:
            continue
        try:
            form.values[key] = parse_date(text, today, end=key == "completion_date")
        except DateProblem as exc:
            if key == "completion_date" and not exc.slip:
                # The index's column held notes too ("up and running", "updated September to
                # include learning events"): keep the words as a note rather than refuse them.
                form.values["completion_note"] = text
                if len(text.split()) >= 3:
                    continue
            _date_problem(form, key, exc)
        if key == "completion_date" and form.values[key] is None and not_known(text):
            form.values["completion_note"] = text  # "TBC": shown as written, no date yet
    for key in ("date_commenced", "date_updated", "completion_date"):
        value: LooseDate | None = form.values[key]
        if value is None:
            continue
        if value.note:
            form.notes.append(f"For {label(key)} {value.note}.")
        if not 1990 <= value.date.year <= today.year + 10:
            form.problems.append(
                f"{label(key)} is in {value.date.year}, which looks like a typing slip; please check the year."
            )


def _date_problem(form: ValidatedForm, key: str, exc: DateProblem) -> None:
    """A mistyped date is sent back to be corrected; words that name no date are kept as written and quoted back."""
    if exc.slip:
        form.problems.append(f"{label(key)} {exc}.")
    else:
        form.notes.append(f"{label(key)} {exc}. We have kept it as you wrote it.")


def _status(form: ValidatedForm) -> None:
    text = form.values["status"]
    reading = read_status(text)
    if reading.chosen:
        form.values["status"] = reading.value
        return
    form.values["status"] = ""
    if reading.state == BLANK:
        if _planned_start(form):  # "To commence Oct 06" in the date box says it
            form.values["status"] = "Planned"
        elif text:  # the printed choices, none picked
            form.problems.append(
                f"Status is missing (none of '{_quote(text)}' is chosen); please keep just one of Planned, "
                "Being implemented or Implemented."
            )
        return
    named = [s for s in STATUSES if s in status_words(text)]
    if len(named) > 1:
        form.problems.append(
            f"Status '{_quote(text)}' could mean {' or '.join(named)}; please write just one of Planned, "
            "Being implemented or Implemented."
        )
    else:
        form.problems.append(
            f"Status '{_quote(text)}' is not one we know; please write Planned, Being implemented or Implemented."
        )


def normalise_status(text: str) -> str | None:
    """'in progress' -> 'Being implemented', 'not yet implemented' -> 'Planned', '☐ Planned ☒ Implemented' -> 'Implemented'.

    None when the text names no status, several, or something to ask about ("on hold").
    """
    reading = read_status(text)
    return str(reading.value) if reading.chosen else None


def _share(form: ValidatedForm) -> None:
    """Three-state consent: True only for a clear yes. Anything else keeps the plan inside the network, and says so."""
    form.share = read_consent(form.values["share_externally"])
    form.values["share_externally"] = form.share.value if form.share.chosen else None


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _link(form: ValidatedForm) -> None:
    link = form.values["link"]
    if not link:
        return
    if link.lower().startswith("www."):
        link = "https://" + link
    if not re.match(r"^https?://[^\s<>\"]+$", link, re.I):
        form.problems.append(
            f"Link '{form.values['link']}' is not a web address; please give one starting with https:// or leave it blank."
        )
        return
    form.values["link"] = link


def _file_no(form: ValidatedForm, network: NetworkSettings) -> None:
    text = form.values["file_no"]
    found = loose_file_no(text, network.file_no_prefix)
    form.values["file_no"] = found
    if text and not found and not _NO_FILE_NO.match(text.strip(" .")):
        form.problems.append(
            f"File No '{_quote(text)}' is not a File No we issue (they look like CH-2026-014); please copy it "
            "from our acknowledgement, or leave it blank if this is a new plan."
        )


def loose_file_no(text: str, prefix: str = "") -> str:
    """'ip-2026-001.', 'IP 2026 1', 'File No: IP\u20132026\u2013001' -> 'IP-2026-001' (with the network's prefix); '' if none."""
    match = _LOOSE_FILE_NO.search((text or "").upper())
    if match is None:
        return ""
    given, code, year, number = match.groups()
    if given and not re.search(r"\d", given) and given in ("FILE", "NO", "REF", "FILENO"):
        given = None  # "FILE NO IP-2026-001": the label, not a prefix
    prefix = prefix.upper()
    lead = f"{given}-" if given else (f"{prefix}-" if prefix else "")
    found = f"{lead}{code}-{year}-{int(number):03d}"
    return found if FILE_NO.match(found) else ""
