"""Bulletin periods: consecutive groups of months (Jan–Feb, Mar–Apr, ... by default)."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.errors import InvalidInput

if TYPE_CHECKING:
    from pipeline.config import Settings

DEFAULT_MONTHS_PER_ISSUE = 2
_KEY = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True, order=True)
class Period:
    """The months one issue covers: `months` months starting on `start` (the 1st of a month)."""

    start: dt.date
    months: int = DEFAULT_MONTHS_PER_ISSUE

    @property
    def end(self) -> dt.date:
        """The last day of the period (inclusive)."""
        year, month = _add_months(self.start.year, self.start.month, self.months - 1)
        return dt.date(year, month, calendar.monthrange(year, month)[1])

    @property
    def key(self) -> str:
        """ "2026-11": the first month, as `--period` accepts it."""
        return f"{self.start.year:04d}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        """ "November–December 2026", or "December 2026–January 2027" across a year end."""
        first, last = self.start, self.end
        if self.months == 1:
            return f"{calendar.month_name[first.month]} {first.year}"
        if first.year == last.year:
            return f"{calendar.month_name[first.month]}–{calendar.month_name[last.month]} {last.year}"
        return f"{calendar.month_name[first.month]} {first.year}–{calendar.month_name[last.month]} {last.year}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> Period:
        year, month = _add_months(self.start.year, self.start.month, self.months)
        return Period(dt.date(year, month, 1), self.months)


def period_for(day: dt.date, months_per_issue: int = DEFAULT_MONTHS_PER_ISSUE) -> Period:
    """The period that contains `day`; periods are aligned to January."""
    _check_months(months_per_issue)
    first_month = (day.month - 1) // months_per_issue * months_per_issue + 1
    return Period(dt.date(day.year, first_month, 1), months_per_issue)


def parse_period(text: str, months_per_issue: int = DEFAULT_MONTHS_PER_ISSUE) -> Period:
    """`--period 2026-11`: the period containing that month (Nov–Dec 2026 by default)."""
    match = _KEY.match(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InvalidInput(f"period {text!r} is not a month like 2026-11")
    return period_for(dt.date(int(match.group(1)), int(match.group(2)), 1), months_per_issue)


def reminder_day(settings: Settings, period: Period) -> dt.date:
    """The day reminders for `period` go out: schedule.reminder_days_before days before it ends."""
    return period.end - dt.timedelta(days=settings.schedule.reminder_days_before)


def _check_months(months: int) -> None:
    # Only divisors of 12 keep every period inside the same months year after year.
    if months not in (1, 2, 3, 4, 6, 12):
        raise InvalidInput(f"months per issue must divide 12 (1, 2, 3, 4, 6 or 12), not {months}")


def _add_months(year: int, month: int, count: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + count
    return index // 12, index % 12 + 1
