"""Reminders N days before a period closes: one per member who has not reported, never twice;
and `mln report compliance` per member and per region."""

from __future__ import annotations

import datetime as dt
import email
import json
from email import policy

from members.member_helpers import add_submission
from sqlalchemy import select
from sqlalchemy.orm import undefer

from pipeline.people.members import send_reminders
from pipeline.periods import parse_period, reminder_day
from pipeline.store import db
from pipeline.store.models import Outgoing, ReminderSent

UTC = dt.UTC
PERIOD = "2026-11"  # November–December 2026


def reminders_queued(settings) -> list[Outgoing]:
    with db.transaction(settings.database.url, readonly=True) as session:
        return list(
            session.scalars(
                select(Outgoing)
                .options(undefer(Outgoing.raw))
                .where(Outgoing.kind == "reminder")
                .order_by(Outgoing.recipient)
            )
        )


def test_each_member_who_has_not_reported_gets_one_reminder_with_the_template(settings, mln):
    for address, region in [
        ("ann@example.nhs.test", "North East"),
        ("bob@example.nhs.test", "North East"),
        ("cara@example.org", "North West"),
    ]:
        assert (
            mln("members", "add", address, "--name", address.split("@")[0].title(), "--region", region).exit_code == 0
        )
    period = parse_period(PERIOD)
    add_submission(settings, "bob@example.nhs.test", dt.datetime(2026, 11, 20, 10, tzinfo=UTC))
    # Cara sent hers in the period before: that does not count for this one.
    add_submission(settings, "cara@example.org", dt.datetime(2026, 10, 31, 12, tzinfo=UTC))

    assert reminder_day(settings, period) == dt.date(2026, 12, 17)
    report = send_reminders(settings, period, dt.date(2026, 12, 17))
    assert (report.sent, report.already_reported) == (2, 1)

    queued = reminders_queued(settings)
    assert [row.recipient for row in queued] == ["ann@example.nhs.test", "cara@example.org"]
    msg = email.message_from_bytes(queued[0].raw, policy=policy.default)
    assert msg["Subject"] == "Reminder: your improvement plan for November–December 2026"
    assert msg["Auto-Submitted"] == "auto-generated"
    body = msg.get_body(("plain",)).get_content()
    assert "Dear Ann," in body and "closes in 14 days, on Thursday 31 December 2026" in body
    names = sorted(part.get_filename() for part in msg.iter_attachments())
    assert [n.rsplit(".", 1)[1] for n in names] == ["docx", "xlsx"]

    # Later the same day, and the next: nobody is reminded twice.
    assert send_reminders(settings, period, dt.date(2026, 12, 18)).sent == 0
    assert len(reminders_queued(settings)) == 2
    with db.transaction(settings.database.url, readonly=True) as session:
        assert len(session.scalars(select(ReminderSent)).all()) == 2


def test_a_lead_contact_counts_as_reporting_and_period_edges_follow_the_network_zone(settings, mln):
    for name in ("dan", "eve", "fay"):
        mln("members", "add", f"{name}@example.nhs.test")
    # Sent by an assistant, naming Dan as lead contact.
    add_submission(
        settings, "pa@example.nhs.test", dt.datetime(2026, 9, 2, 9, tzinfo=UTC), lead_email="dan@example.nhs.test"
    )
    # 23:30 UTC on 31 August is 00:30 on 1 September in London (BST): inside September–October.
    add_submission(settings, "eve@example.nhs.test", dt.datetime(2026, 8, 31, 23, 30, tzinfo=UTC))
    # 23:30 UTC on 31 October is still 31 October in London (GMT again): inside too.
    add_submission(settings, "fay@example.nhs.test", dt.datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    report = send_reminders(settings, parse_period("2026-09"), dt.date(2026, 10, 20))
    assert (report.sent, report.already_reported) == (0, 3)
    # The same times seen from November–December: none of them counts.
    report = send_reminders(settings, parse_period(PERIOD), dt.date(2026, 12, 20))
    assert report.sent == 3


def test_compliance_report_per_member_and_region(settings, mln):
    mln("members", "add", "ann@example.nhs.test", "--name", "Ann", "--region", "North East")
    mln("members", "add", "bob@example.nhs.test", "--name", "Bob", "--region", "North East")
    mln("members", "add", "cara@example.org", "--name", "Cara", "--region", "North West")
    add_submission(settings, "ann@example.nhs.test", dt.datetime(2026, 11, 3, 9, tzinfo=UTC), title="Liaison database")
    add_submission(
        settings, "ann@example.nhs.test", dt.datetime(2026, 12, 1, 9, tzinfo=UTC), title="Care home training"
    )
    add_submission(settings, "cara@example.org", dt.datetime(2026, 9, 15, 9, tzinfo=UTC), title="Newsletter")
    send_reminders(settings, parse_period(PERIOD), dt.date(2026, 12, 20))

    result = mln("report", "compliance", "--period", "2026-12", "--json")
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.output)
    assert (entry["period"], entry["start"], entry["end"]) == ("2026-11", "2026-11-01", "2026-12-31")
    members = {m["email"]: m for m in entry["members"]}
    assert members["ann@example.nhs.test"]["submitted"] == 2
    assert [s["title"] for s in members["ann@example.nhs.test"]["submissions"]] == [
        "Liaison database",
        "Care home training",
    ]
    assert members["ann@example.nhs.test"]["reminded_at"] is None
    assert members["bob@example.nhs.test"]["submitted"] == 0
    assert members["bob@example.nhs.test"]["reminded_at"].endswith("+00:00")  # London in winter
    assert entry["regions"] == [
        {"region": "North East", "members": 2, "submitted": 1, "submissions": 2, "missing": 1},
        {"region": "North West", "members": 1, "submitted": 0, "submissions": 0, "missing": 1},
    ]
    assert entry["total"] == {"members": 3, "submitted": 1}

    earlier = json.loads(mln("report", "compliance", "--period", "2026-09", "--json").output)[0]
    assert {m["email"]: m["submitted"] for m in earlier["members"]}["cara@example.org"] == 1

    text = mln("report", "compliance", "--period", "2026-11").output
    assert "November–December 2026 (2026-11-01 to 2026-12-31): 1 of 3 member(s) reported" in text
