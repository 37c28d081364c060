"""What comes next, for `mln status` and `mln schedule list`: each enabled job's next run.

Read through the driver (store/reader.py), so `mln status` imports neither SQLAlchemy nor the
jobs themselves (the bulletin renderer, the reminders' templates). pipeline/schedule.py runs
the jobs, and asks here whether one is already done for its key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.config import Settings
from pipeline.errors import MlnError
from pipeline.localtime import current_period, local_midnight, local_now, previous_period, shown
from pipeline.mailing.waiting import waiting_sends
from pipeline.periods import Period, reminder_day
from pipeline.store.reader import Reader, reading

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def upcoming(settings: Settings, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Each enabled job's next run (in the network's time zone), soonest first; then any bulletin send
    waiting or under way."""
    with reading(settings.database.url) as reader:
        return upcoming_in(reader, settings, now)


def upcoming_in(reader: Reader, settings: Settings, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """`upcoming`, read through an open reader (`mln status` asks in the same snapshot as its counts)."""
    now = now or dt.datetime.now(dt.UTC)
    items = _next_runs(settings, reader, now)
    sends = waiting_sends(settings, reader)
    jobs = [{"job": job, "key": key, "due": shown(settings, when)} for when, job, key in sorted(items)]
    return jobs + [_send_row(send) for send in sends]


def _next_runs(settings: Settings, reader: Reader, now: dt.datetime) -> list[tuple[dt.datetime, str, str]]:
    today = local_now(settings, now).date()
    current = current_period(settings, today)
    items: list[tuple[dt.datetime, str, str]] = []
    s = settings.schedule
    if s.draft_on_close:
        previous = previous_period(settings, today)
        items.append(
            (local_midnight(settings, current.end + dt.timedelta(days=1)), "period_close", current.key)
            if _done(reader, "period_close", previous.key)
            else (now, "period_close", previous.key)
        )
    if s.reminders:
        day = reminder_day(settings, current)
        if today >= day and _reminders_done(reader, current):
            current = current.next()
            day = reminder_day(settings, current)
        items.append((max(now, local_midnight(settings, day)), "reminders", current.key))
    if s.digest:
        key = digest_key(settings, today)
        if key is not None and not _done(reader, "digest", key):
            items.append((now, "digest", key))
        else:
            ahead = (weekday(settings) - today.weekday()) % 7 or 7
            nxt = today + dt.timedelta(days=ahead)
            year, week, _ = nxt.isocalendar()
            items.append((local_midnight(settings, nxt), "digest", f"{year}-W{week:02d}"))
    return items


def is_done(settings: Settings, job: str, key: str) -> bool:
    """Whether `job` is recorded as done for `key` (a row in job_runs)."""
    with reading(settings.database.url) as reader:
        return _done(reader, job, key)


def _done(reader: Reader, job: str, key: str) -> bool:
    return (
        reader.scalar('SELECT id FROM job_runs WHERE job = :job AND "key" = :key', {"job": job, "key": key}) is not None
    )


def _reminders_done(reader: Reader, period: Period) -> bool:
    """Every active member has had this period's reminder."""
    sql = (
        "SELECT COUNT(*) FROM members WHERE active AND id NOT IN "
        "(SELECT member_id FROM reminders_sent WHERE period_start = :start)"
    )
    return not reader.scalar(sql, {"start": period.start})


def digest_key(settings: Settings, today: dt.date) -> str | None:
    """This ISO week's key once its digest day has come, else None."""
    if today.weekday() < weekday(settings):
        return None
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def weekday(settings: Settings) -> int:
    """schedule.digest_weekday as a number (Monday is 0)."""
    name = settings.schedule.digest_weekday.strip().lower()
    matches = [i for i, day in enumerate(WEEKDAYS) if day.startswith(name[:3])] if len(name) >= 3 else []
    if not matches:
        raise MlnError(f"schedule.digest_weekday {settings.schedule.digest_weekday!r} is not a day of the week")
    return matches[0]


def _send_row(send: dict[str, Any]) -> dict[str, Any]:
    """A waiting or running bulletin send, as a row beside the jobs (its copies per audience and status)."""
    copies = "; ".join(
        f"{a}: " + ", ".join(f"{n} {s}" for s, n in sorted(c.items())) for a, c in send["copies"].items()
    )
    key = f"bulletin {send['bulletin_id']} (No. {send['number']}), {send['state']}" + (f": {copies}" if copies else "")
    return {"job": "send", "key": key, "due": send["due"], "bulletin": send}
