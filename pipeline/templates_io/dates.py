"""Dates as people in the UK write them: day first, months by name or number, loose and typo'd.

"07/09/2006" is 7 September. "June 2006", "Sept 06" keep month precision.
"To commence Oct 06" is a planned start. "June 2004/August 2006" is two dates
(commenced / updated). "w/c 3rd March 2025" is that Monday; "Q2 2025/26" is a
quarter of the NHS financial year (April to March: Q2 is July to September 2025);
"45719" is an Excel serial date; "TBC", "unknown" and the like are no date at all
(`not_known`), which is not a mistake. "Spring 2025" is March to May 2025, "2025/26"
the financial year, "March-April 2025" starts in March. What was written is kept beside
what was read.
"""

from __future__ import annotations

import datetime as dt
import re

from pipeline.templates_io.date_spans import month_span, quarter, season, years
from pipeline.templates_io.date_words import MONTHS, LooseDate, describe_date, month_from_word, year_of

_PLANNED = re.compile(
    r"\b(to\s+commence|commencing|to\s+start|starting|planned|plan\s+to|will\s+start|due\s+to\s+start|from)\b", re.I
)
_FILLER = {
    "for",
    "in",
    "by",
    "on",
    "of",
    "the",
    "around",
    "about",
    "approx",
    "approximately",
    "evaluation",
    "implementation",
    "completion",
    "completed",
    "due",
    "end",
    "early",
    "mid",
    "late",
    "expected",
    "estimated",
    "est",
    "review",
    "date",
    "tbc",
    "tba",
    "tbd",
    "provisional",
    "provisionally",
    "hopefully",
    "target",
    "circa",
    "ca",
    "c",
    "since",
    "started",
    "began",
    "begun",
    "commenced",
    "ongoing",
    "launched",
    "live",
    "went",
}
# Words meaning "no date yet": read as not known, never as a mistake.
_NOT_KNOWN = re.compile(
    r"^[\s(\-\u2013\u2014]*(tbc|tba|tbd|t\.b\.c|t\.b\.a|to be (confirmed|agreed|arranged|decided|determined|"
    r"advised|set)|unknown|not known|not yet known|not sure|unsure|don'?t know|n ?/ ?a|n\.a|not applicable|none|"
    r"nil|not set|not decided|undecided|ongoing|on going|open ended|open-ended|no end date|continuous|"
    r"not yet|awaiting|depends|dependent)(?![a-z0-9])",
    re.IGNORECASE,
)
_WEEK_OF = re.compile(
    r"\b(w\s*/\s*[cb]|w\.\s?[cb]\.?|wc|wb|week\s+(commencing|beginning|starting|of))(?![a-z0-9])\.?:?", re.IGNORECASE
)
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0, so serial 1 is 1 January 1900 (with its 1900 leap-day bug)
_ORDINAL = re.compile(r"(\d{1,2})(st|nd|rd|th)\b", re.I)


def not_known(text: str) -> bool:
    """'TBC', 'to be confirmed', 'unknown', 'N/A', 'ongoing', '?': no date given yet, which is fine."""
    text = (text or "").strip()
    return bool(_NOT_KNOWN.match(text) or re.fullmatch(r"[?\-\u2013\u2014._/\s]+", text))


class DateProblem(ValueError):
    """The text is not a date we can read; the message says so in plain words.

    `slip` when it is a date with a typing slip to correct ("31/02/2006", "JJanuary 20066"),
    not words that name no date ("after the summer"), which can be kept as written.
    """

    def __init__(self, message: str, slip: bool = False) -> None:
        super().__init__(message)
        self.slip = slip


def _looks_like_a_date(text: str) -> bool:
    """Digits with a month's name, or in a day/month/year shape: a date someone mistyped."""
    if not re.search(r"\d", text):
        return False
    words = re.findall(r"[A-Za-z]{3,}", text)
    return any(month_from_word(w) for w in words if w.lower() not in _FILLER) or bool(
        re.search(r"\d{1,4}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{1,5}", text)
    )


def parse_date(text: str, today: dt.date | None = None, end: bool = False) -> LooseDate | None:
    """One loose date, or None for blank or not-known text ("TBC"). Raises DateProblem when it cannot be read.

    A range ("Sept 2025 - March 2026") gives its start, or its end when `end` (a completion date).
    """
    cleaned = " ".join((text or "").split())
    if not cleaned:
        return None
    today = today or dt.date.today()
    body = _WEEK_OF.sub(" ", cleaned)  # before _PLANNED: "week commencing" is no planned start
    planned = bool(_PLANNED.search(body))
    body = _PLANNED.sub(" ", body).strip(" .,;:()-")
    unbracketed = re.sub(r"\([^)]*\)", " ", body)
    special = (
        quarter(unbracketed, today)
        or _excel_serial(body)
        or _range(body, today, end)
        or season(unbracketed, today)
        or years(unbracketed, today)
        or month_span(body, today, end)
    )
    if special is not None:
        return LooseDate(special.date, special.precision, planned, cleaned, special.note)
    found = _parse_core(body, today)
    note = ""
    if found is None:
        found = _withoutyear_of(body, today)
        if found is not None:
            note = f"we read '{cleaned}' as {describe_date(dt.date(found[2], found[1], found[0] or 1), 'day' if found[0] else 'month')}"
    if found is None:
        if not_known(body) or not_known(cleaned):
            return None
        raise DateProblem(
            f"'{cleaned}' is not a date we can read; please write it like 07/09/2006, 7 Sept 2006 or June 2006",
            slip=_looks_like_a_date(body),
        )
    day, month, year = found
    if day is not None and month > 12 >= day:  # "02/13/2026": month first, and only one reading is a real date
        day, month = month, day
        note = f"we read '{cleaned}' as {day} {MONTHS[month - 1].title()} {year}"
    try:
        value = dt.date(year, month, day or 1)
    except ValueError:
        raise DateProblem(
            f"'{cleaned}' is not a real date; please check the day and month (we read dates day first, as 07/09/2006)",
            slip=True,
        ) from None
    return LooseDate(value, "day" if day else "month", planned, cleaned, note)


_RANGE = re.compile(r"\s+(?:-|to|until|till|through)\s+|\s*[\u2013\u2014]\s*", re.IGNORECASE)


def _range(text: str, today: dt.date, end: bool) -> LooseDate | None:
    """'Sept 2025 - March 2026', '01/04/2025 to 31/03/2026': both ends must be dates."""
    parts = _RANGE.split(text)
    if len(parts) != 2:  # one separator, no more: "a - b - c" is not a range
        return None
    try:
        first, last = parse_date(parts[0], today), parse_date(parts[1], today)
    except DateProblem:
        return None
    if first is None or last is None:
        return None
    chosen = last if end else first
    which = "the end" if end else "the start"
    return LooseDate(chosen.date, chosen.precision, note=f"we read '{text}' as {chosen} ({which} of the range)")


def _excel_serial(text: str) -> LooseDate | None:
    """'45719' (or '45719.0'), a date Excel stored as a number because the cell was not formatted as a date."""
    match = re.fullmatch(r"(\d{5})(?:\.\d+)?", text)
    if match is None or not 20000 <= int(match[1]) <= 80000:  # 1954 to 2119
        return None
    return LooseDate(EXCEL_EPOCH + dt.timedelta(days=int(match[1])), "day")


def parse_date_pair(text: str, today: dt.date | None = None) -> tuple[LooseDate | None, LooseDate | None]:
    """'June 2004/August 2006' -> (June 2004, August 2006); a single date -> (date, None)."""
    cleaned = (text or "").strip()
    parts = re.split(r"\s*(?:/|;|\bupdated\b|\band\b|,)\s*(?=[A-Za-z])", cleaned, maxsplit=1, flags=re.I)
    # "Nov/Dec 25" is one span whose year is written once, not two dates.
    if len(parts) == 2 and parts[0] and not re.fullmatch(r"\d+|[A-Za-z]{3,}\.?", parts[0]):
        try:
            return parse_date(parts[0], today), parse_date(parts[1], today)
        except DateProblem:
            pass
    return parse_date(cleaned, today), None


def _parse_core(text: str, today: dt.date) -> tuple[int | None, int, int] | None:
    text = _ORDINAL.sub(r"\1", text.strip().strip(".,;:()")).strip()
    for parser in (_numeric, _iso, _named):
        found = parser(text, today)
        if found is not None:
            return found
    return None


def _withoutyear_of(text: str, today: dt.date) -> tuple[int | None, int, int] | None:
    """'3rd March', '3 March', 'March': the one nearest today, within a year either way."""
    match = re.fullmatch(r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([A-Za-z]{3,}\.?)", text.strip(" .,;:()"), re.IGNORECASE)
    month = month_from_word(match[2]) if match else None
    if match is None or month is None:
        return None
    day = int(match[1]) if match[1] else None
    candidates = []
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidates.append(dt.date(year, month, day or 1))
        except ValueError:
            continue
    if not candidates:
        return None
    nearest = min(candidates, key=lambda d: abs((d - today).days))
    return day, month, nearest.year


def _numeric(text: str, today: dt.date) -> tuple[int | None, int, int] | None:
    match = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2}|\d{4})|(\d{1,2}) (\d{1,2}) (\d{4})", text)
    if match and match[4]:
        return int(match[4]), int(match[5]), int(match[6])
    if match:
        return int(match[1]), int(match[2]), year_of(match[3], today)
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{4})", text)  # 06/2006
    if match and 1 <= int(match[1]) <= 12:
        return None, int(match[1]), int(match[2])
    return None


def _iso(text: str, today: dt.date) -> tuple[int | None, int, int] | None:
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T][\d:.]+Z?)?", text)
    if match:
        return int(match[3]), int(match[2]), int(match[1])
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if match and 1 <= int(match[2]) <= 12:
        return None, int(match[2]), int(match[1])
    return None


def _named(text: str, today: dt.date) -> tuple[int | None, int, int] | None:
    tokens = re.findall(r"[A-Za-z]+|\d+|'\d{2}", text)
    words = [t for t in tokens if t.isalpha() and t.lower() not in _FILLER]
    numbers = [t.lstrip("'") for t in tokens if not t.isalpha()]
    if len(words) != 1 or not 1 <= len(numbers) <= 2:
        return None
    month = month_from_word(words[0])
    if month is None:
        return None
    year_text = numbers[-1]
    day = int(numbers[0]) if len(numbers) == 2 else None
    if day is not None and len(numbers[0]) > 2:  # "2006 June 7" is not a form people use; refuse
        return None
    if day is not None and len(year_text) not in (2, 4):
        return None
    if day is None and len(year_text) not in (2, 4):
        return None
    return day, month, year_of(year_text, today)
