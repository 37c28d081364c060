"""Network meetings: the rule (the last working day of each month), its exceptions, what a bulletin lists.

Working days skip weekends and England & Wales bank holidays, taken from the
maintained `holidays` package so new or moved bank holidays come with updates.
The rule's time, place and link come from [meetings] in the config; a moved,
cancelled or extra meeting is a `MeetingChange` row (meeting_diary.py).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from pipeline.config import MeetingSettings
from pipeline.periods import Period
from pipeline.store.models import MeetingChange

RULES = ("last_working_day", "none")
MEETING_STATUSES = ("regular", "moved", "changed", "cancelled", "extra")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


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


def rule_days(rule: str, start: dt.date, end: dt.date) -> tuple[dt.date, ...]:
    """The rule's meeting dates from `start` to `end`, both included."""
    if rule == "none":
        return ()
    days = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        day = last_working_day(year, month)
        if start <= day <= end:
            days.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(days)


def parse_time(text: str) -> str | None:
    """ "9:30" -> "09:30"; None when it is not a time of day."""
    match = _TIME.fullmatch((text or "").strip())
    return f"{int(match[1]):02d}:{match[2]}" if match else None


@dataclass(frozen=True)
class Meeting:
    """One meeting as a bulletin and a calendar show it."""

    day: dt.date
    start_time: str = ""  # "HH:MM" local; "" in issues approved before meetings had times
    duration_minutes: int = 0
    title: str = "Network meeting"
    venue: str = ""
    join_url: str = ""
    status: str = "regular"  # one of MEETING_STATUSES
    regular_day: dt.date | None = None  # the rule's date, for a moved or changed regular meeting
    note: str = ""
    uid: str = ""  # iCalendar UID: the same for a regular meeting however often it moves
    sequence: int = 0
    timezone: str = "Europe/London"
    changed_at: str = ""  # ISO time of the last `mln meetings` change, "" for a plain rule meeting

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def starts_at(self) -> dt.datetime | None:
        if not self.start_time:
            return None
        hour, minute = (int(part) for part in self.start_time.split(":"))
        return dt.datetime.combine(self.day, dt.time(hour, minute), tzinfo=ZoneInfo(self.timezone))

    @property
    def ends_at(self) -> dt.datetime | None:
        start = self.starts_at
        return start + dt.timedelta(minutes=self.duration_minutes) if start and self.duration_minutes else None

    @property
    def time_text(self) -> str:
        """ "14:00–16:00", "14:00" or ""."""
        end = self.ends_at
        return f"{self.start_time}–{end:%H:%M}" if end else self.start_time

    @property
    def calendar_key(self) -> str:
        """A name for its calendar file that stays the same when the meeting moves."""
        return (self.uid or f"meeting-{self.day.isoformat()}").partition("@")[0]

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["day"] = self.day.isoformat()
        data["regular_day"] = self.regular_day.isoformat() if self.regular_day else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | str) -> Meeting:
        """Also reads the bare ISO dates that issues approved before meetings had details stored."""
        if isinstance(data, str):
            return cls(dt.date.fromisoformat(data))
        values = dict(data)
        values["day"] = dt.date.fromisoformat(values["day"])
        values["regular_day"] = dt.date.fromisoformat(values["regular_day"]) if values.get("regular_day") else None
        return cls(**values)


def bulletin_window(period: Period, drafted: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The meetings an issue lists: from the day after its period ends (or the draft's day, if
    later) to the end of the month the next issue is due, so readers always know the next one."""
    start = period.end + dt.timedelta(days=1)
    if drafted and drafted > start:
        start = drafted
    index = period.end.year * 12 + period.end.month - 1 + period.months + 1
    year, month = index // 12, index % 12 + 1
    return start, dt.date(year, month, calendar.monthrange(year, month)[1])


def schedule(
    config: MeetingSettings,
    changes: Iterable[MeetingChange],
    start: dt.date,
    end: dt.date,
    timezone: str = "Europe/London",
    uid_domain: str = "localhost",
) -> tuple[Meeting, ...]:
    """Every meeting from `start` to `end`: the rule's, with `changes` applied, cancelled ones included."""
    changes = list(changes)
    changed = {row.regular_day for row in changes if row.regular_day}
    base = Meeting(
        day=start,
        start_time=config.time,
        duration_minutes=config.duration_minutes,
        title=config.title,
        venue=config.venue,
        join_url=config.join_url,
        timezone=timezone,
    )
    meetings = [
        replace(base, day=day, uid=_uid(f"{day.isoformat()}", uid_domain))
        for day in rule_days(config.rule, start, end)
        if day not in changed
    ]
    meetings += [_changed(base, row, uid_domain) for row in changes if start <= row.day <= end]
    return tuple(sorted(meetings, key=lambda m: (m.day, m.start_time, m.uid)))


def _changed(base: Meeting, row: MeetingChange, uid_domain: str) -> Meeting:
    regular = row.regular_day
    if row.cancelled:
        status = "cancelled"
    elif regular is None:
        status = "extra"
    elif row.day != regular:
        status = "moved"
    else:
        # Same day: "changed" only if something differs from the rule (a restored one is regular).
        details = (row.start_time, row.duration_minutes, row.title, row.venue, row.join_url)
        status = "changed" if any(details) else "regular"
    return replace(
        base,
        day=row.day,
        start_time=row.start_time or base.start_time,
        duration_minutes=row.duration_minutes or base.duration_minutes,
        title=row.title or base.title,
        venue=row.venue or base.venue,
        join_url=row.join_url or base.join_url,
        status=status,
        regular_day=regular,
        note=row.note,
        uid=_uid(regular.isoformat() if regular else f"extra-{row.id}", uid_domain),
        sequence=row.sequence,
        changed_at=row.updated_at.isoformat(timespec="seconds") if row.updated_at else "",
    )


def _uid(key: str, domain: str) -> str:
    return f"meeting-{key}@{domain}"
