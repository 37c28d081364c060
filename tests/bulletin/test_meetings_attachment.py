"""Issue 20 item 4: each copy carries the issue's meetings as meetings.ics, so a reader with no
site link (no base URL) still gets them into a calendar; the copy reads as before otherwise."""

from __future__ import annotations

import datetime as dt
import email
from email.policy import default
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from pipeline.cli import cli
from pipeline.config import load_settings
from pipeline.mailing.sending import send_bulletin
from pipeline.outbound.bulletin import parse_period
from pipeline.outbound.bulletin.drafts import approve_bulletin, draft_bulletin
from pipeline.people import subscribers as subs
from pipeline.store.db import transaction

from .records import add_submission, at

SECRET = {"MLN_TOKEN_SECRET": "test-secret-0123456789abcdef"}
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def config(db_url, tmp_path, smtp_sink):
    path = tmp_path / "mln.toml"
    path.write_text(
        f'[database]\nurl = "{db_url}"\n[paths]\noutbox_dir = "{tmp_path}/outbox"\n'
        f'[smtp]\nurl = "{smtp_sink.url()}"\nfrom_address = "bulletin@example.org"\n'
        '[network]\ntimezone = "Europe/London"\nshared_address = "mln@example.org"\n'
        '[meetings]\ntime = "14:00"\nduration_minutes = 120\nvenue = "Leeds Civic Hall"\n',
        encoding="utf-8",
    )
    return path


def mln(config, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config), *args], env=SECRET)


def _approved_issue(config) -> int:
    assert mln(config, "meetings", "move", "2027-05-28", "--to", "2027-05-27").exit_code == 0
    assert mln(config, "meetings", "cancel", "2027-06-30", "--note", "Summer break").exit_code == 0
    settings = load_settings(config, SECRET)
    with transaction(settings.database.url) as session:
        subs.add(session, settings, "member@example.nhs.test", "internal", via="cli")
        subs.add(session, settings, "partner@example.org", "external", via="cli")
    add_submission(settings.database.url, "Education package for care homes", at(2027, 3, 10))
    bulletin_id = draft_bulletin(settings, parse_period("2027-03"), today=dt.date(2027, 2, 1))["id"]
    approve_bulletin(settings, bulletin_id, by="test", force_reason="drafted ahead in this test")
    return bulletin_id


def _calendar(msg: email.message.EmailMessage) -> Calendar:
    [attachment] = list(msg.iter_attachments())
    assert attachment.get_filename() == "meetings.ics"
    assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "PUBLISH"
    return Calendar.from_ical(attachment.get_content())


def test_each_copy_carries_the_meetings_of_its_issue_as_one_calendar(config, smtp_sink):
    bulletin_id = _approved_issue(config)

    send_bulletin(load_settings(config, SECRET), bulletin_id, flush=True)

    copies = [email.message_from_bytes(m.data, policy=default) for m in smtp_sink.messages]
    assert sorted(str(msg["To"]) for msg in copies) == ["member@example.nhs.test", "partner@example.org"]
    for msg in copies:
        # multipart/mixed around the unchanged multipart/alternative.
        assert msg.get_content_type() == "multipart/mixed"
        assert [p.get_content_type() for p in msg.iter_parts()] == ["multipart/alternative", "text/calendar"]
        assert "Upcoming network meetings" in msg.get_body(("html",)).get_content()
        assert "__MLN_" not in msg.get_body(("plain",)).get_content()
        events = {str(e["UID"]): e for e in _calendar(msg).walk("VEVENT")}
        assert sorted(events) == [
            "meeting-2027-05-28@example.org",  # moved to the 27th: the same UID, so a calendar updates it
            "meeting-2027-06-30@example.org",
            "meeting-2027-07-30@example.org",
        ]
        moved, cancelled = events["meeting-2027-05-28@example.org"], events["meeting-2027-06-30@example.org"]
        assert moved.decoded("DTSTART") == dt.datetime(2027, 5, 27, 14, 0, tzinfo=LONDON)
        assert str(moved["LOCATION"]) == "Leeds Civic Hall"
        assert str(cancelled["STATUS"]) == "CANCELLED"


def test_the_test_copy_carries_the_same_calendar(config, smtp_sink):
    bulletin_id = _approved_issue(config)

    result = mln(config, "bulletin", "test", str(bulletin_id), "--to", "lead@example.org")

    assert result.exit_code == 0, result.output
    [received] = smtp_sink.messages
    msg = email.message_from_bytes(received.data, policy=default)
    assert msg["X-MLN-Test"] and msg.get_content_type() == "multipart/mixed"
    assert len(list(_calendar(msg).walk("VEVENT"))) == 3
