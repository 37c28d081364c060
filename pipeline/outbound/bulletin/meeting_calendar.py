"""Meetings as iCalendar files (RFC 5545) that Outlook, Google and Apple calendars import.

METHOD:PUBLISH: the file informs, it asks no one to reply. Each meeting keeps
one UID however often it moves, and its SEQUENCE rises with each change, so a
calendar that imported it updates (or, with STATUS:CANCELLED, strikes) the
same entry instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from icalendar import Calendar, Event

from pipeline.outbound.bulletin.meetings import Meeting
from pipeline.urls import meeting_path

PRODID = "-//MLN Bulletin//Network meetings//EN"
ALL_MEETINGS = "network-meetings"


def meetings_calendar(meetings: Sequence[Meeting], organiser: str, stamp: dt.datetime) -> bytes:
    """One calendar holding `meetings`. DTSTAMP is each meeting's last change, else `stamp`:
    the same input gives the same bytes, so a site build rewrites only what changed."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    for meeting in meetings:
        calendar.add_component(_event(meeting, organiser, stamp))
    if meetings:
        # A VTIMEZONE for each TZID used (Outlook needs it to place a local time), covering
        # only the years of these meetings: the default span makes each file 3 KB longer.
        days = [m.day for m in meetings]
        calendar.add_missing_timezones(dt.date(min(days).year, 1, 1), dt.date(max(days).year + 1, 1, 1))
    return calendar.to_ical()


def _event(meeting: Meeting, organiser: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", meeting.uid or f"meeting-{meeting.day.isoformat()}@localhost")
    changed = dt.datetime.fromisoformat(meeting.changed_at) if meeting.changed_at else stamp
    event.add("dtstamp", changed.astimezone(dt.UTC))
    event.add("sequence", meeting.sequence)
    event.add("summary", meeting.title)
    start, end = meeting.starts_at, meeting.ends_at
    if start is None:
        # No time known: an all-day entry on its date.
        event.add("dtstart", meeting.day)
        event.add("dtend", meeting.day + dt.timedelta(days=1))
    else:
        event.add("dtstart", start)
        event.add("dtend", end or start + dt.timedelta(hours=1))
    if meeting.venue:
        event.add("location", meeting.venue)
    if meeting.join_url:
        event.add("url", meeting.join_url)
    description = "\n".join(part for part in (meeting.note, meeting.join_url and f"Join: {meeting.join_url}") if part)
    if description:
        event.add("description", description)
    if organiser:
        event.add("organizer", f"mailto:{organiser}")
    event.add("status", "CANCELLED" if meeting.cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if meeting.cancelled else "OPAQUE")
    return event


def calendar_files(meetings: Sequence[Meeting], organiser: str, stamp: dt.datetime) -> dict[str, bytes]:
    """Site path -> calendar file: one per meeting (the bulletin links to these), and one with them all."""
    files = {meeting_path(m.calendar_key): meetings_calendar((m,), organiser, stamp) for m in meetings}
    files[meeting_path(ALL_MEETINGS)] = meetings_calendar(meetings, organiser, stamp)
    return files
