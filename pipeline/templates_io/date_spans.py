"""Dates that name a span rather than a day or a month: a quarter of the NHS financial year
("Q2 2025/26"), a season ("Spring 2025"), a year or financial year ("mid-2025", "2025/26") and two
months with one year ("March-April 2025"). Each is read to its first day with a precision
that describes it back, and a note of how it was read."""

from __future__ import annotations

import datetime as dt
import re

from pipeline.templates_io.date_words import LooseDate, describe_date, month_from_word, year_of

_QUARTER = re.compile(
    r"^(?:(?P<fy1>(?:fy\s*)?\d{2,4}\s*[/\-]\s*\d{2,4})\s+)?(?:q|qtr|quarter)\s*(?P<q>[1-4])"
    r"(?:\s*(?:of|in)?\s*(?:fy\s*)?(?P<fy2>\d{2,4}(?:\s*[/\-]\s*\d{2,4})?))?$",
    re.IGNORECASE,
)
_QUARTER_MONTHS = {1: 4, 2: 7, 3: 10, 4: 1}  # NHS financial-year quarters: Q1 is April to June


def quarter(text: str, today: dt.date) -> LooseDate | None:
    """'Q2 2025/26', 'Q2 25-26', '2025/26 Q2', 'Quarter 2 FY2025/26': a quarter of the NHS financial year."""
    match = _QUARTER.match(text.strip())
    if match is None or not (match["fy1"] or match["fy2"]):
        return None
    years = re.findall(r"\d{2,4}", (match["fy1"] or match["fy2"]))
    start = year_of(years[0], today)
    if len(years) == 2 and year_of(years[1], today) != start + 1 and int(years[1]) % 100 != (start + 1) % 100:
        return None  # "2025/27" is not one financial year
    number = int(match["q"])
    month = _QUARTER_MONTHS[number]
    value = dt.date(start + 1 if number == 4 else start, month, 1)
    note = (
        ""
        if len(years) == 2
        else (
            f"we read '{text}' as {describe_date(value, 'quarter')} "
            f"(quarter {number} of the {start}/{str(start + 1)[2:]} financial year)"
        )
    )
    return LooseDate(value, "quarter", note=note)


_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_SEASON = re.compile(
    r"^(?:(?:early|mid|late|end of|start of|beginning of|the)\s*-?\s*)*(?P<season>spring|summer|autumn|fall|winter)"
    r"\s*(?:of\s+)?(?P<year>'?\d{2}|\d{4})(?:\s*[/\-]\s*(?P<next>\d{2}|\d{4}))?$",
    re.IGNORECASE,
)


def season(text: str, today: dt.date) -> LooseDate | None:
    """'Spring 2025' is March to May 2025; 'Winter 2024/25' December 2024 to February 2025."""
    match = _SEASON.match(text.strip())
    if match is None:
        return None
    season = match["season"].lower()
    year = year_of(match["year"].lstrip("'"), today)
    if season == "winter" and not match["next"]:
        return None  # "Winter 2025": which winter is not clear; kept as written
    if match["next"] and (season != "winter" or int(match["next"]) % 100 != (year + 1) % 100):
        return None
    value = dt.date(year, _SEASONS[season], 1)
    return LooseDate(value, "quarter", note=f"we read '{text.strip()}' as {describe_date(value, 'quarter')}")


_YEARS = re.compile(
    r"^(?:(?P<when>early|mid|late|end of|start of|beginning of|during|throughout)\s*-?\s*)?"
    r"(?P<fy>fy\s*|financial year\s*)?(?P<year>\d{4})(?:\s*[/\-]\s*(?P<next>\d{2}|\d{4}))?$",
    re.IGNORECASE,
)


def years(text: str, today: dt.date) -> LooseDate | None:
    """'mid-2025', 'early 2025': that year; '2025/26', 'FY 2025-26': the NHS financial year, April to March."""
    match = _YEARS.match(text.strip())
    if match is None or not 1900 <= int(match["year"]) <= 2200:
        return None
    year = int(match["year"])
    if match["next"]:
        if int(match["next"]) % 100 != (year + 1) % 100:
            return None
        value = dt.date(year, 4, 1)
        return LooseDate(
            value,
            "year",
            note=f"we read '{text.strip()}' as the {year}/{str(year + 1)[2:]} financial year "
            f"({describe_date(value, 'year')})",
        )
    if not match["when"]:
        return None  # a bare "2006" is too loose to file as a date: kept as written, with a note
    return LooseDate(dt.date(year, 1, 1), "year", note=f"we read '{text.strip()}' as {year}")


_MONTH_SPAN = re.compile(r"^([A-Za-z]{3,})\.?\s*(?:-|/|\u2013|\u2014|to|and|&)\s*([A-Za-z]{3,}\.?\s+'?\d{2,4})$", re.I)


def month_span(text: str, today: dt.date, end: bool) -> LooseDate | None:
    """'March-April 2025', 'Nov/Dec 25': the year written once, after the second month."""
    match = _MONTH_SPAN.match(text.strip())
    if match is None or month_from_word(match[1]) is None:
        return None
    second = re.fullmatch(r"([A-Za-z]{3,})\.?\s+'?(\d{2}|\d{4})", match[2])
    first_month = month_from_word(match[1])
    last_month = month_from_word(second[1]) if second else None
    if second is None or first_month is None or last_month is None:
        return None
    year = year_of(second[2], today)
    first_year = year - 1 if first_month > last_month else year  # "Dec-Jan 2026" starts in December 2025
    chosen = dt.date(year, last_month, 1) if end else dt.date(first_year, first_month, 1)
    which = "the end" if end else "the start"
    return LooseDate(
        chosen, "month", note=f"we read '{text.strip()}' as {describe_date(chosen, 'month')} ({which} of the span)"
    )
