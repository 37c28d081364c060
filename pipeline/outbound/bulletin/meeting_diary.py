"""The network's meeting diary: the [meetings] rule with its exceptions, read and changed.

A meeting is named by the day it is (now) held, as `mln meetings list` shows
it. Moving or cancelling a regular meeting records one row for its rule date,
so it keeps its calendar UID; an extra meeting is a row of its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.errors import ConfigError, InvalidInput, NotFound, WrongState
from pipeline.outbound.bulletin.meeting_calendar import calendar_files, meetings_calendar
from pipeline.outbound.bulletin.meetings import RULES, Meeting, parse_time, schedule
from pipeline.store.db import transaction
from pipeline.store.models import MeetingChange, utcnow

YEAR = dt.timedelta(days=366)


def meetings_between(session: Session, settings: Settings, start: dt.date, end: dt.date) -> tuple[Meeting, ...]:
    """Every meeting from `start` to `end` (both included), cancelled ones too."""
    check_meeting_settings(settings)
    query = select(MeetingChange).where(
        or_(MeetingChange.day.between(start, end), MeetingChange.regular_day.between(start, end))
    )
    changes = session.scalars(query).all()
    return schedule(settings.meetings, changes, start, end, settings.network.timezone, _uid_domain(settings))


def list_meetings(settings: Settings, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    with transaction(settings.database.url, readonly=True) as session:
        return [meeting_dict(m) for m in meetings_between(session, settings, start, end)]


def meetings_ics(settings: Settings, start: dt.date, end: dt.date) -> bytes:
    """One calendar file with every meeting from `start` to `end` (cancelled ones marked so)."""
    with transaction(settings.database.url, readonly=True) as session:
        meetings = meetings_between(session, settings, start, end)
    return meetings_calendar(meetings, settings.network.shared_address, utcnow().replace(microsecond=0))


def site_calendar_files(session: Session, settings: Settings, today: dt.date) -> dict[str, bytes]:
    """The site's calendar files: each meeting from a year back to a year ahead, and all of them in one.

    A year back, so the links in past bulletins still open; a plain rule meeting's
    DTSTAMP is the first of the year, so a rebuild rewrites only what changed.
    """
    meetings = meetings_between(session, settings, today - YEAR, today + YEAR)
    stamp = dt.datetime(today.year, 1, 1, tzinfo=dt.UTC)
    return calendar_files(meetings, settings.network.shared_address, stamp)


def add_meeting(settings: Settings, day: dt.date, details: dict[str, Any], by: str = "") -> dict[str, Any]:
    """An extra meeting on `day` (e.g. a full network event); refused if one is held that day already."""
    details = _checked(details)
    with transaction(settings.database.url) as session:
        if _held_on(session, settings, day):
            raise WrongState(f"a meeting is already held on {day}; change it with: mln meetings move {day} ...")
        row = MeetingChange(regular_day=None, day=day, changed_by=by, **details)
        session.add(row)
        session.flush()
        return _after(session, settings, row)


def move_meeting(
    settings: Settings, day: dt.date, to: dt.date | None, details: dict[str, Any], by: str = ""
) -> dict[str, Any]:
    """Move the meeting held on `day` to another day, and/or change its time, length, venue or link."""
    details = _checked(details)
    if to is None and not details:
        raise InvalidInput("say what changes: --to DATE, --time, --minutes, --venue or --join-url")
    with transaction(settings.database.url) as session:
        meeting = _held_on(session, settings, day)
        if meeting is None:
            raise NotFound(f"no meeting is held on {day}; see `mln meetings list`")
        if to is not None and to != day and _held_on(session, settings, to):
            raise WrongState(f"a meeting is already held on {to}; cancel or move that one first")
        row = _row_for(session, meeting, by)
        row.day = to or row.day
        for name, value in details.items():
            setattr(row, name, value)
        session.flush()
        return _after(session, settings, row)


def cancel_meeting(settings: Settings, day: dt.date, note: str = "", by: str = "") -> dict[str, Any]:
    """Cancel the meeting held on `day`; bulletins and calendars show it as cancelled."""
    with transaction(settings.database.url) as session:
        meeting = _held_on(session, settings, day)
        if meeting is None:
            raise NotFound(f"no meeting is held on {day}; see `mln meetings list`")
        row = _row_for(session, meeting, by)
        row.cancelled = True
        row.note = note or row.note
        session.flush()
        return _after(session, settings, row)


def restore_meeting(settings: Settings, day: dt.date, by: str = "") -> dict[str, Any]:
    """Undo a cancellation: the meeting on `day` is held after all."""
    with transaction(settings.database.url) as session:
        found = [m for m in meetings_between(session, settings, day, day) if m.cancelled]
        if not found:
            raise NotFound(f"no cancelled meeting on {day}; see `mln meetings list`")
        if _held_on(session, settings, day):
            raise WrongState(f"another meeting is held on {day}; move or cancel it first")
        row = _row_for(session, found[0], by)
        row.cancelled = False
        session.flush()
        return _after(session, settings, row)


def meeting_dict(meeting: Meeting) -> dict[str, Any]:
    start, end = meeting.starts_at, meeting.ends_at
    return meeting.to_dict() | {
        "starts_at": start.isoformat() if start else None,
        "ends_at": end.isoformat() if end else None,
    }


def check_meeting_settings(settings: Settings) -> None:
    config, where = settings.meetings, f"in {settings.source}"
    if config.rule not in RULES:
        raise ConfigError(f"meetings.rule {where}: one of {', '.join(RULES)} (got {config.rule!r})")
    if parse_time(config.time) != config.time:
        raise ConfigError(f'meetings.time {where}: a 24-hour time such as "14:00" (got {config.time!r})')
    if config.duration_minutes < 0:
        raise ConfigError(f"meetings.duration_minutes {where}: a number of minutes (got {config.duration_minutes})")


# -- inside one transaction ---------------------------------------------------


def _held_on(session: Session, settings: Settings, day: dt.date) -> Meeting | None:
    found = [m for m in meetings_between(session, settings, day, day) if not m.cancelled]
    return found[0] if found else None


def _row_for(session: Session, meeting: Meeting, by: str) -> MeetingChange:
    """The meeting's exception row, made now for a regular meeting; its SEQUENCE raised."""
    row = None
    if meeting.status == "extra":
        query = select(MeetingChange).where(
            MeetingChange.regular_day.is_(None), MeetingChange.day == meeting.day, MeetingChange.cancelled.is_(False)
        )
        row = session.scalars(query).first()
    else:
        regular_day = meeting.regular_day or meeting.day
        row = session.scalars(select(MeetingChange).where(MeetingChange.regular_day == regular_day)).one_or_none()
    if row is None:
        row = MeetingChange(regular_day=meeting.day, day=meeting.day, sequence=0)
        session.add(row)
    row.sequence = (row.sequence or 0) + 1
    row.changed_by, row.updated_at = by, utcnow()
    return row


def _after(session: Session, settings: Settings, row: MeetingChange) -> dict[str, Any]:
    key = row.regular_day.isoformat() if row.regular_day else f"extra-{row.id}"
    found = [m for m in meetings_between(session, settings, row.day, row.day) if m.uid.startswith(f"meeting-{key}@")]
    return meeting_dict(found[0]) if found else {}


_DETAILS = ("start_time", "duration_minutes", "title", "venue", "join_url", "note")


def _checked(details: dict[str, Any]) -> dict[str, Any]:
    """The given (non-None) details, the time normalised; unknown names are a programming error."""
    given = {name: value for name, value in details.items() if value is not None}
    unknown = set(given) - set(_DETAILS)
    if unknown:
        raise ValueError(f"unknown meeting details: {sorted(unknown)}")
    if "start_time" in given:
        time = parse_time(given["start_time"])
        if time is None:
            raise InvalidInput(f"--time: a 24-hour time such as 14:00 (got {given['start_time']!r})")
        given["start_time"] = time
    if given.get("duration_minutes") is not None and given["duration_minutes"] <= 0:
        raise InvalidInput("--minutes: a positive number of minutes")
    return given


def _uid_domain(settings: Settings) -> str:
    return settings.network.shared_address.rpartition("@")[2] or "localhost"


__all__ = [
    "add_meeting",
    "cancel_meeting",
    "check_meeting_settings",
    "list_meetings",
    "meeting_dict",
    "meetings_between",
    "meetings_ics",
    "move_meeting",
    "restore_meeting",
    "site_calendar_files",
]
