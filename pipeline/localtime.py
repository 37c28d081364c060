"""Stored in UTC, shown in network.timezone: conversions used by the schedule, reports and status."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from pipeline.config import Settings
from pipeline.periods import Period, period_for


def zone(settings: Settings) -> ZoneInfo:
    return ZoneInfo(settings.network.timezone)


def local_now(settings: Settings, now: dt.datetime | None = None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(zone(settings))


def shown(settings: Settings, value: dt.datetime | None) -> str | None:
    """An aware UTC time as ISO 8601 in the network's time zone (offset included), or None."""
    return value.astimezone(zone(settings)).isoformat(timespec="seconds") if value else None


def local_midnight(settings: Settings, day: dt.date) -> dt.datetime:
    """The UTC instant a local day begins (DST-aware)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone(settings)).astimezone(dt.UTC)


def period_bounds(settings: Settings, period: Period) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a period in UTC: local midnight of its first day to local midnight after its last."""
    return local_midnight(settings, period.start), local_midnight(settings, period.end + dt.timedelta(days=1))


def current_period(settings: Settings, today: dt.date) -> Period:
    return period_for(today, months_per_issue(settings))


def previous_period(settings: Settings, today: dt.date) -> Period:
    current = current_period(settings, today)
    return period_for(current.start - dt.timedelta(days=1), months_per_issue(settings))


def months_per_issue(settings: Settings) -> int:
    """network.months_per_issue: 2 by default (Jan–Feb, Mar–Apr, ...)."""
    return settings.network.months_per_issue


def network_today(settings: Settings) -> dt.date:
    return dt.datetime.now(ZoneInfo(settings.network.timezone)).date()
