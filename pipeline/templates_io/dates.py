"""Dates as people in the UK write them: day first, months by name or number, loose and typo'd.

"07/09/2006" is 7 September. "June 2006", "Sept 06" keep month precision.
"To commence Oct 06" is a planned start. "June 2004/August 2006" is two dates
(commenced / updated).
"""
from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december")
_MONTH_WORDS = {name: i + 1 for i, name in enumerate(MONTHS)}
_MONTH_WORDS.update({name[:3]: i + 1 for i, name in enumerate(MONTHS)})
_MONTH_WORDS.update({"sept": 9, "june": 6, "july": 7})
_PLANNED = re.compile(r"\b(to\s+commence|commencing|to\s+start|starting|planned|plan\s+to|will\s+start|due\s+to\s+start|from)\b", re.I)
_FILLER = {"for", "in", "by", "on", "of", "the", "around", "about", "approx", "approximately", "evaluation", "implementation",
           "completion", "completed", "due", "end", "early", "mid", "late", "expected", "estimated", "est", "review", "date"}
_ORDINAL = re.compile(r"(\d{1,2})(st|nd|rd|th)\b", re.I)


@dataclass(frozen=True)
class LooseDate:
    date: dt.date
    precision: str  # "day" or "month"
    planned: bool = False

    def __str__(self) -> str:
        if self.precision == "month":
            return self.date.strftime("%B %Y")
        return f"{self.date.day} {self.date.strftime('%B %Y')}"


class DateProblem(ValueError):
    """The text is not a date we can read; the message says so in plain words."""


def parse_date(text: str, today: dt.date | None = None) -> LooseDate | None:
    """One loose date, or None for blank text. Raises DateProblem when it cannot be read."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    planned = bool(_PLANNED.search(cleaned))
    body = _PLANNED.sub(" ", cleaned)
    found = _parse_core(body, today or dt.date.today())
    if found is None:
        raise DateProblem(f"'{cleaned}' is not a date we can read; please write it like 07/09/2006, 7 Sept 2006 or June 2006")
    day, month, year = found
    try:
        value = dt.date(year, month, day or 1)
    except ValueError:
        raise DateProblem(f"'{cleaned}' is not a real date; please check the day and month (we read dates day first, as 07/09/2006)") from None
    return LooseDate(value, "day" if day else "month", planned)


def parse_date_pair(text: str, today: dt.date | None = None) -> tuple[LooseDate | None, LooseDate | None]:
    """'June 2004/August 2006' -> (June 2004, August 2006); a single date -> (date, None)."""
    cleaned = (text or "").strip()
    parts = re.split(r"\s*(?:/|;|\bupdated\b|\band\b|,)\s*(?=[A-Za-z])", cleaned, maxsplit=1, flags=re.I)
    if len(parts) == 2 and parts[0] and not re.fullmatch(r"\d+", parts[0]):
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


def _numeric(text: str, today: dt.date) -> tuple[int | None, int, int] | None:
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})", text)
    if match:
        return int(match[1]), int(match[2]), _year(match[3], today)
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{4})", text)  # 06/2006
    if match and 1 <= int(match[1]) <= 12:
        return None, int(match[1]), int(match[2])
    return None


def _iso(text: str, today: dt.date) -> tuple[int | None, int, int] | None:
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?", text)
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
    return day, month, _year(year_text, today)


def month_from_word(word: str) -> int | None:
    """A month from its name, abbreviation or a near miss ("JJune", "Setpember")."""
    word = word.lower().rstrip(".")
    if word in _MONTH_WORDS:
        return _MONTH_WORDS[word]
    squeezed = re.sub(r"(.)\1+", r"\1", word)  # "jjune" -> "june"
    if squeezed in _MONTH_WORDS:
        return _MONTH_WORDS[squeezed]
    if len(word) >= 4:
        close = difflib.get_close_matches(word, MONTHS, n=1, cutoff=0.75)
        if close:
            return _MONTH_WORDS[close[0]]
    return None


def _year(text: str, today: dt.date) -> int:
    year = int(text)
    if len(text) == 2:
        pivot = today.year % 100 + 10
        year += 2000 if year <= pivot else 1900
    return year
