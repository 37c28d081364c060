"""Meetings as data: the [meetings] rule, `mln meetings` exceptions, the bulletin's list and the .ics files."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from click.testing import CliRunner
from icalendar import Calendar

from pipeline.cli import cli
from pipeline.config import load_settings
from pipeline.outbound.bulletin import content_from_dict, content_to_dict, parse_period
from pipeline.outbound.bulletin.drafts import bulletin_content, draft_bulletin, preview_bulletin
from pipeline.outbound.bulletin.meeting_diary import meetings_ics, site_calendar_files
from pipeline.outbound.bulletin.meetings import bulletin_window
from pipeline.store.db import transaction

from .records import add_submission, at

D = dt.date
LONDON = ZoneInfo("Europe/London")
MEETINGS = """
[network]
shared_address = "mln@example.org"
[meetings]
time = "14:00"
duration_minutes = 120
venue = "Leeds Civic Hall"
join_url = "https://teams.example.org/meet/mln"
"""


@pytest.fixture
def config(db_url, tmp_path):
    path = tmp_path / "mln.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n{MEETINGS}', encoding="utf-8")
    return path


def mln(config, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config), "meetings", *args], catch_exceptions=False)


def meetings_section(html: str):
    tree = lxml.html.document_fromstring(html)
    return tree.xpath("//td[h2[text()='Upcoming network meetings']]")[0]


def test_the_march_april_issue_lists_the_meetings_after_april():
    assert bulletin_window(parse_period("2027-03")) == (D(2027, 5, 1), D(2027, 7, 31))
    # Drafted late (10 May): a meeting already past is not listed.
    assert bulletin_window(parse_period("2027-03"), D(2027, 5, 10)) == (D(2027, 5, 10), D(2027, 7, 31))
    # Across a year end.
    assert bulletin_window(parse_period("2026-11")) == (D(2027, 1, 1), D(2027, 3, 31))


def test_a_moved_and_a_cancelled_meeting_appear_in_the_bulletin(config):
    assert mln(config, "move", "2027-05-28", "--to", "2027-05-27", "--note", "Bank holiday week").exit_code == 0
    assert mln(config, "cancel", "2027-06-30", "--note", "Summer break").exit_code == 0
    added = mln(config, "add", "2027-07-15", "--title", "Full network event", "--time", "10:00", "--minutes", "300")
    assert added.exit_code == 0, added.output
    settings = load_settings(config)
    add_submission(settings.database.url, "Education package for care homes", at(2027, 3, 10))
    # Drafted in February, before the period: the meetings still start after April.
    bulletin_id = draft_bulletin(settings, parse_period("2027-03"), today=D(2027, 2, 1))["id"]

    rendered = preview_bulletin(settings, bulletin_id, "internal")
    section = meetings_section(rendered.html)
    for br in section.xpath(".//br"):
        br.tail = " / " + (br.tail or "")
    lines = [" ".join(li.text_content().split()) for li in section.xpath(".//li")]
    join = "Join online: https://teams.example.org/meet/mln"
    assert lines == [
        f"Thursday 27 May 2027, 14:00–16:00 (moved from Friday 28 May 2027) / Venue: Leeds Civic Hall / {join} "
        "/ Bank holiday week",
        "Wednesday 30 June 2027, 14:00–16:00 – cancelled: Summer break",
        f"Full network event: Thursday 15 July 2027, 10:00–15:00 / Venue: Leeds Civic Hall / {join}",
        f"Friday 30 July 2027, 14:00–16:00 / Venue: Leeds Civic Hall / {join}",
    ]
    assert section.xpath(".//strong[contains(@class,'meeting-struck')]/text()") == ["Wednesday 30 June 2027"]
    assert section.xpath(".//a/@href") == ["https://teams.example.org/meet/mln"] * 3
    # Nothing from before the period ended (the old bug: a March–April issue listing December to February).
    assert "April 2027" not in section.text_content() and "February 2027" not in section.text_content()
    assert "* Wednesday 30 June 2027, 14:00–16:00, Leeds Civic Hall - CANCELLED: Summer break" in rendered.text
    assert "(moved from Friday 28 May 2027)" in rendered.text

    # An approved issue keeps the meetings as they were: frozen with every detail.
    content = bulletin_content(settings, bulletin_id)
    assert content_from_dict(json.loads(json.dumps(content_to_dict(content)))) == content


def test_the_calendar_file_parses_with_the_right_times_in_london(config, tmp_path):
    assert mln(config, "move", "2027-05-28", "--to", "2027-05-27").exit_code == 0
    assert mln(config, "cancel", "2027-06-30").exit_code == 0
    path = tmp_path / "meetings.ics"
    listed = mln(config, "list", "--from", "2027-01-01", "--to", "2027-06-30", "--ics", str(path))
    assert listed.exit_code == 0, listed.output
    calendar = Calendar.from_ical(path.read_bytes())
    again = Calendar.from_ical(meetings_ics(load_settings(config), D(2027, 1, 1), D(2027, 6, 30)))
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == [str(e["UID"]) for e in calendar.walk("VEVENT")]

    assert str(calendar["METHOD"]) == "PUBLISH"
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert sorted(events) == [f"meeting-2027-0{m}-{d}@example.org" for m, d in ((1, 29), (2, 26), (3, 31), (4, 30))] + [
        "meeting-2027-05-28@example.org",  # moved: the same UID, so calendars update the entry
        "meeting-2027-06-30@example.org",
    ]
    winter, moved, cancelled = (events[f"meeting-2027-{key}@example.org"] for key in ("01-29", "05-28", "06-30"))
    assert winter.decoded("DTSTART") == dt.datetime(2027, 1, 29, 14, 0, tzinfo=LONDON)
    assert winter.decoded("DTSTART").astimezone(dt.UTC).hour == 14  # GMT
    assert moved.decoded("DTSTART") == dt.datetime(2027, 5, 27, 14, 0, tzinfo=LONDON)
    assert moved.decoded("DTSTART").astimezone(dt.UTC).hour == 13  # BST
    assert moved.decoded("DTEND") == dt.datetime(2027, 5, 27, 16, 0, tzinfo=LONDON)
    assert int(moved["SEQUENCE"]) == 1 and str(moved["STATUS"]) == "CONFIRMED"
    assert str(moved["LOCATION"]) == "Leeds Civic Hall" and str(moved["URL"]) == "https://teams.example.org/meet/mln"
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1
    # Outlook needs the time zone spelled out for TZID=Europe/London.
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]


def test_list_json_and_refusals(config):
    assert mln(config, "move", "2027-05-28", "--time", "10:30", "--venue", "Online only").exit_code == 0
    rows = json.loads(mln(config, "list", "--from", "2027-05-01", "--to", "2027-06-30", "--json").output)
    assert [(r["day"], r["status"], r["starts_at"], r["venue"]) for r in rows] == [
        ("2027-05-28", "changed", "2027-05-28T10:30:00+01:00", "Online only"),
        ("2027-06-30", "regular", "2027-06-30T14:00:00+01:00", "Leeds Civic Hall"),
    ]
    missing = mln(config, "cancel", "2027-05-27")
    assert missing.exit_code == 1 and "no meeting is held on 2027-05-27" in missing.output
    clash = mln(config, "move", "2027-05-28", "--to", "2027-06-30")
    assert clash.exit_code == 1 and "already held on 2027-06-30" in clash.output
    bad_time = mln(config, "add", "2027-06-01", "--time", "25:00")
    assert bad_time.exit_code == 1 and "--time" in bad_time.output
    nothing = mln(config, "move", "2027-06-30")
    assert nothing.exit_code == 1 and "say what changes" in nothing.output
    # A cancellation made by mistake is undone; calendars see a newer SEQUENCE.
    assert mln(config, "cancel", "2027-06-30").exit_code == 0
    restored = json.loads(mln(config, "restore", "2027-06-30", "--json").output)
    assert (restored["status"], restored["sequence"]) == ("regular", 2)
    assert mln(config, "restore", "2027-06-30").exit_code == 1
    moved = json.loads(mln(config, "move", "2027-06-30", "--to", "2027-06-29", "--json").output)
    assert (moved["uid"], moved["sequence"]) == ("meeting-2027-06-30@example.org", 3)


def test_a_malformed_meetings_setting_names_the_key(db_url, tmp_path):
    path = tmp_path / "mln.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n[meetings]\ntime = "2pm"\n', encoding="utf-8")
    result = mln(path, "list")
    assert result.exit_code == 2 and "meetings.time" in result.output


def test_each_meeting_links_to_its_calendar_file_on_the_site(db_url, tmp_path):
    path = tmp_path / "mln.toml"
    site = 'base_url = "https://mln.example.org"'
    path.write_text(f'[database]\nurl = "{db_url}"\n{MEETINGS}[web]\n{site}\n', encoding="utf-8")
    assert mln(path, "move", "2027-05-28", "--to", "2027-05-27").exit_code == 0
    settings = load_settings(path)
    add_submission(settings.database.url, "Education package for care homes", at(2027, 3, 10))
    bulletin_id = draft_bulletin(settings, parse_period("2027-03"), today=D(2027, 2, 1))["id"]
    html = preview_bulletin(settings, bulletin_id, "external").html
    links = meetings_section(html).xpath(".//a[contains(@href, '.ics')]/@href")
    # Named by the regular date: a link in an issue already sent still opens the moved meeting.
    assert links == [f"https://mln.example.org/meetings/meeting-2027-{key}.ics" for key in ("05-28", "06-30", "07-30")]

    with transaction(settings.database.url, readonly=True) as session:
        files = site_calendar_files(session, settings, D(2027, 2, 1))
    moved = Calendar.from_ical(files["meetings/meeting-2027-05-28.ics"]).walk("VEVENT")[0]
    assert moved.decoded("DTSTART") == dt.datetime(2027, 5, 27, 14, 0, tzinfo=LONDON)
    every = Calendar.from_ical(files["meetings/network-meetings.ics"]).walk("VEVENT")
    assert len(every) == len(files) - 1 == 24  # a year back and a year ahead, one a month
    # Built twice, the files are the same bytes: the site writer rewrites nothing.
    with transaction(settings.database.url, readonly=True) as session:
        assert site_calendar_files(session, settings, D(2027, 2, 1)) == files
