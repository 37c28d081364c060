"""mln meetings list | add | move | cancel | restore: the network's meetings and the exceptions to their rule."""

from __future__ import annotations

import calendar
import datetime as dt
import getpass
from pathlib import Path
from typing import Any

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json, print_table
from pipeline.localtime import network_today
from pipeline.outbound.bulletin.meeting_diary import (
    add_meeting,
    cancel_meeting,
    list_meetings,
    meetings_ics,
    move_meeting,
    restore_meeting,
)

DATE = click.DateTime(["%Y-%m-%d"])
COLUMNS = [
    ("day", "Date"),
    ("weekday", "Day"),
    ("time", "Time"),
    ("status", "Status"),
    ("title", "Title"),
    ("venue", "Venue"),
    ("note", "Note"),
]
JSON_HELP = "JSON with keys day, start_time, duration_minutes, starts_at, ends_at, title, venue, join_url, status, uid."


def register(cli: click.Group) -> None:
    cli.add_command(meetings)


@click.group()
def meetings() -> None:
    """Network meetings: the [meetings] rule (last working day of the month) and its exceptions.

    Time, venue and joining link come from [meetings] in the config; here you
    move or cancel one meeting, or add an extra one. Each bulletin lists the
    meetings after its period ends.

    \b
    Examples:
      mln meetings list
      mln meetings move 2027-05-28 --to 2027-05-27 --note "Bank holiday week"
      mln meetings cancel 2027-08-31 --note "Summer break"
      mln meetings add 2027-06-15 --title "Full network event" --time 10:00 --minutes 300 --venue "Leeds Civic Hall"
    """


@meetings.command(name="list")
@click.option("--from", "start", type=DATE, help="First day (default: today).")
@click.option("--to", "end", type=DATE, help="Last day (default: the end of the month six months on).")
@click.option("--ics", "ics_path", type=click.Path(dir_okay=False), help="Also write them as one calendar file.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_obj
def list_command(
    app: AppContext, start: dt.datetime | None, end: dt.datetime | None, ics_path: str | None, as_json: bool
) -> None:
    """The meetings from today (or --from) on, cancelled ones included.

    \b
    Examples:
      mln meetings list
      mln meetings list --from 2027-01-01 --to 2027-12-31 --json
      mln meetings list --ics meetings.ics     # a calendar file to publish or send
    """
    first = start.date() if start else network_today(app.settings)
    last = end.date() if end else _months_on(first, 6)
    rows = list_meetings(app.settings, first, last)
    if ics_path:
        Path(ics_path).write_bytes(meetings_ics(app.settings, first, last))
    if as_json:
        print_json(rows)
        return
    print_table([_row(r) for r in rows], COLUMNS)
    if ics_path:
        click.echo(f"Wrote {len(rows)} meeting(s) to {ics_path}")


@meetings.command()
@click.argument("day", type=DATE)
@click.option("--title", help="What it is (default: meetings.title).")
@click.option("--time", "start_time", metavar="HH:MM", help="Start, local time (default: meetings.time).")
@click.option("--minutes", "duration_minutes", type=int, help="Length (default: meetings.duration_minutes).")
@click.option("--venue", help="Where (default: meetings.venue).")
@click.option("--join-url", help="Online joining link (default: meetings.join_url).")
@click.option("--note", help="A line shown beside it.")
@click.option("--as", "actor", metavar="NAME", help="Who adds it (default: your login name).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_obj
def add(app: AppContext, day: dt.datetime, actor: str | None, as_json: bool, **details: Any) -> None:
    """Add an extra meeting, e.g. one of the three full network events a year.

    \b
    Example:
      mln meetings add 2027-06-15 --title "Full network event" --time 10:00 --minutes 300 --venue "Leeds Civic Hall"
    """
    _show(add_meeting(app.settings, day.date(), details, by=actor or getpass.getuser()), "Added", as_json)


@meetings.command()
@click.argument("day", type=DATE)
@click.option("--to", "to", type=DATE, help="The new date.")
@click.option("--time", "start_time", metavar="HH:MM", help="New start, local time.")
@click.option("--minutes", "duration_minutes", type=int, help="New length.")
@click.option("--venue", help="New venue.")
@click.option("--join-url", help="New joining link.")
@click.option("--note", help='Why, shown beside it (e.g. "moved for the bank holiday").')
@click.option("--as", "actor", metavar="NAME", help="Who moves it (default: your login name).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_obj
def move(
    app: AppContext, day: dt.datetime, to: dt.datetime | None, actor: str | None, as_json: bool, **details: Any
) -> None:
    """Move the meeting held on DAY, or change its time, length, venue or link.

    Calendars that imported it update the same entry (same UID, higher SEQUENCE).

    \b
    Examples:
      mln meetings move 2027-05-28 --to 2027-05-27
      mln meetings move 2027-07-30 --time 10:00 --venue "Online only"
    """
    moved = move_meeting(app.settings, day.date(), to.date() if to else None, details, by=actor or getpass.getuser())
    _show(moved, "Moved" if to else "Changed", as_json)


@meetings.command()
@click.argument("day", type=DATE)
@click.option("--note", default="", help="Why, shown beside it in bulletins and calendars.")
@click.option("--as", "actor", metavar="NAME", help="Who cancels it (default: your login name).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_obj
def cancel(app: AppContext, day: dt.datetime, note: str, actor: str | None, as_json: bool) -> None:
    """Cancel the meeting held on DAY: bulletins list it as cancelled, calendar files strike it.

    \b
    Example:
      mln meetings cancel 2027-08-31 --note "Summer break"
    """
    _show(cancel_meeting(app.settings, day.date(), note, by=actor or getpass.getuser()), "Cancelled", as_json)


@meetings.command()
@click.argument("day", type=DATE)
@click.option("--as", "actor", metavar="NAME", help="Who restores it (default: your login name).")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@click.pass_obj
def restore(app: AppContext, day: dt.datetime, actor: str | None, as_json: bool) -> None:
    """Undo a cancellation: the meeting on DAY is held after all.

    \b
    Example:
      mln meetings restore 2027-08-31
    """
    _show(restore_meeting(app.settings, day.date(), by=actor or getpass.getuser()), "Restored", as_json)


def _show(meeting: dict[str, Any], verb: str, as_json: bool) -> None:
    if as_json:
        print_json(meeting)
        return
    row = _row(meeting)
    where = f", {row['venue']}" if row["venue"] else ""
    click.echo(f"{verb}: {row['title']} on {row['weekday']} {row['day']} {row['time']}{where} ({row['status']})")


def _row(meeting: dict[str, Any]) -> dict[str, Any]:
    day = dt.date.fromisoformat(meeting["day"])
    time = meeting["start_time"]
    if time and meeting["ends_at"]:
        time += "–" + meeting["ends_at"][11:16]
    status = meeting["status"]
    if status == "moved" and meeting["regular_day"]:
        status = f"moved from {meeting['regular_day']}"
    return meeting | {"weekday": f"{day:%a}", "time": time, "status": status}


def _months_on(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])
