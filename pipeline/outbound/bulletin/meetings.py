"""Network meetings: the last working day of each month.

Working days skip weekends and England & Wales bank holidays, taken from the
maintained `holidays` package so new or moved bank holidays come with updates.
"""

from __future__ import annotations

import calendar
import datetime as dt
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    # England and Wales share one list of bank holidays; the library files it under ENG.
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def last_working_day(year: int, month: int) -> dt.date:
    """The last weekday of the month that is not a bank holiday."""
    day = dt.date(year, month, calendar.monthrange(year, month)[1])
    while not is_working_day(day):
        day -= dt.timedelta(days=1)
    return day


def upcoming_meetings(after: dt.date, count: int = 3) -> tuple[dt.date, ...]:
    """The next `count` meeting dates on or after `after` (one per month)."""
    found: list[dt.date] = []
    year, month = after.year, after.month
    while len(found) < count:
        day = last_working_day(year, month)
        if day >= after:
            found.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(found)
