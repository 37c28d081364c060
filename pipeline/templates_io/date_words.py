"""What dates are made of: month names (and near misses), two-digit years, and a date as
precise as the member wrote it (`LooseDate`, described back as "June 2006" or "July\u2013September 2025")."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field

MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_WORDS = {name: i + 1 for i, name in enumerate(MONTHS)}
_MONTH_WORDS.update({name[:3]: i + 1 for i, name in enumerate(MONTHS)})
_MONTH_WORDS.update({"sept": 9, "june": 6, "july": 7})


@dataclass(frozen=True)
class LooseDate:
    date: dt.date  # the first day of the month or quarter, for month and quarter precision
    precision: str  # "day", "month" or "quarter"
    planned: bool = False
    written: str = field(default="", compare=False)  # the text as the member wrote it
    note: str = field(default="", compare=False)  # how it was read, when that is worth telling the member

    def __str__(self) -> str:
        return describe_date(self.date, self.precision)


def describe_date(date: dt.date, precision: str) -> str:
    """'7 September 2006', 'September 2006' or 'July\u2013September 2025', as precise as the member was."""
    if precision == "day":
        return f"{date.day} {date.strftime('%B %Y')}"
    if precision == "quarter":
        last = dt.date(date.year + (date.month + 2 > 12), (date.month + 1) % 12 + 1, 1)
        first = date.strftime("%B") if last.year == date.year else date.strftime("%B %Y")
        return f"{first}\u2013{last.strftime('%B %Y')}"
    if precision == "year":  # a year from April is an NHS financial year
        return f"April {date.year}\u2013March {date.year + 1}" if date.month == 4 else str(date.year)
    return date.strftime("%B %Y")


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


def year_of(text: str, today: dt.date) -> int:
    """'25' is 2025 and '99' 1999: two-digit years up to ten years ahead are this century."""
    year = int(text)
    if len(text) == 2:
        pivot = today.year % 100 + 10
        year += 2000 if year <= pivot else 1900
    return year
