"""Scheduled jobs, run in-process at chosen moments, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

import pytest
from bulletin.records import add_submission
from sqlalchemy import select
from sqlalchemy.orm import undefer

from pipeline import schedule
from pipeline.config import load_settings
from pipeline.outbound.bulletin.drafts import approve_bulletin, draft_bulletin
from pipeline.people import subscribers as subs
from pipeline.people.members import MemberInput, add_member
from pipeline.periods import parse_period
from pipeline.store import db
from pipeline.store.models import Bulletin, Outgoing, Submission

UTC = dt.UTC
NOV_2 = dt.datetime(2026, 11, 2, 12, tzinfo=UTC)  # Sep–Oct has just closed


def make_settings(db_url, tmp_path, schedule_toml: str = ""):
    config = tmp_path / "mln.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n[paths]\noutbox_dir = "{tmp_path}/outbox"\n'
        f'[schedule]\ncommunications_lead = "comms@example.org"\n{schedule_toml}'
    )
    return load_settings(config, {"MLN_TOKEN_SECRET": "test-secret-0123456789abcdef"})


def queued(settings, kind: str) -> list[email.message.EmailMessage]:
    with db.transaction(settings.database.url, readonly=True) as session:
        rows = session.scalars(
            select(Outgoing).options(undefer(Outgoing.raw)).where(Outgoing.kind == kind).order_by(Outgoing.id)
        )
        return [email.message_from_bytes(row.raw, policy=policy.default) for row in rows]


def bulletin_status(settings) -> list[tuple[str, str]]:
    with db.transaction(settings.database.url, readonly=True) as session:
        return [(f"{b.period_start:%Y-%m}", b.status) for b in session.scalars(select(Bulletin))]


def test_period_close_drafts_and_emails_a_preview_of_each_audience(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path, "reminders = false\n")
    # Installed before Sep–Oct closed: its first plan came in September (issue 20: no reaching back).
    add_submission(db_url, "A September plan", dt.datetime(2026, 9, 15, 12, tzinfo=UTC))
    results = schedule.run_due(settings, NOV_2)
    assert [(r.job, r.key, r.outcome) for r in results] == [("period_close", "2026-09", "done")]
    bulletin_id = results[0].detail["bulletin_id"]
    assert bulletin_status(settings) == [("2026-09", "draft")]  # nothing is approved or sent by itself

    previews = queued(settings, "preview")
    assert [m["To"] for m in previews] == ["comms@example.org", "comms@example.org"]
    assert [m["Subject"].split("]")[0] for m in previews] == [
        "[Preview for internal readers",
        "[Preview for external readers",
    ]
    for msg in previews:
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        assert f"To approve it for sending:  mln bulletin approve {bulletin_id}" in text
        assert "Nothing has been sent to the lists" in text
        assert f"mln bulletin approve {bulletin_id}" in html and "September–October 2026" in html

    # Checked again (the worker does, every minute): done once only.
    assert schedule.run_due(settings, NOV_2 + dt.timedelta(hours=1)) == []
    assert len(queued(settings, "preview")) == 2

    # Approved by the communications lead: the next check queues it for the lists.
    approve_bulletin(settings, bulletin_id, by="comms")
    (sent,) = schedule.run_due(settings, NOV_2 + dt.timedelta(hours=2))
    assert (sent.job, sent.outcome) == ("send_approved", "done")
    assert bulletin_status(settings) == [("2026-09", "sent")]


def test_auto_send_approves_the_draft_and_queues_it_for_the_lists(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path, "reminders = false\nauto_send = true\nsend_approved = false\n")
    with db.transaction(settings.database.url) as session:
        subs.add(session, settings, "reader@example.org", "external", via="cli")
    add_submission(db_url, "A September plan", dt.datetime(2026, 9, 15, 12, tzinfo=UTC))
    results = {r.job: r for r in schedule.run_due(settings, NOV_2)}
    assert results["period_close"].detail["approved"] is True
    assert results["send_approved"].detail["queued"] == {results["period_close"].detail["bulletin_id"]: {"external": 1}}
    assert bulletin_status(settings) == [("2026-09", "sent")]
    assert schedule.run_due(settings, NOV_2) == []
    assert "auto_send is on" in queued(settings, "preview")[0].get_body(("plain",)).get_content()


def test_a_period_already_approved_by_hand_gets_no_preview(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path, "reminders = false\nsend_approved = false\n")
    summary = draft_bulletin(settings, parse_period("2026-09"), today=dt.date(2026, 10, 30))
    approve_bulletin(
        settings, summary["id"], by="comms", force_reason="an empty test issue"
    )  # issue 20: empty needs force
    (result,) = schedule.run_due(settings, NOV_2)
    assert (result.job, result.outcome) == ("period_close", "skipped")
    assert queued(settings, "preview") == []
    assert schedule.run_due(settings, NOV_2) == []


def test_reminders_go_out_only_inside_the_window(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path, "draft_on_close = false\nreminder_days_before = 10\n")
    with db.transaction(settings.database.url) as session:
        add_member(session, settings, MemberInput("ann@example.nhs.test", name="Ann"))
    assert (
        schedule.run_due(settings, dt.datetime(2026, 12, 20, 23, tzinfo=UTC)) == []
    )  # 21 Dec: 10 days before is the 21st
    (result,) = schedule.run_due(settings, dt.datetime(2026, 12, 21, 9, tzinfo=UTC))
    assert (result.job, result.key, result.detail["sent"]) == ("reminders", "2026-11", 1)
    assert schedule.run_due(settings, dt.datetime(2026, 12, 22, 9, tzinfo=UTC)) == []
    assert [m["To"] for m in queued(settings, "reminder")] == ["Ann <ann@example.nhs.test>"]


def test_weekly_digest_for_theme_leads(db_url, tmp_path):
    settings = make_settings(
        db_url, tmp_path, 'draft_on_close = false\nreminders = false\ndigest = true\ndigest_weekday = "Wednesday"\n'
    )
    with db.transaction(settings.database.url) as session:
        add_member(session, settings, MemberInput("ann@example.nhs.test", name="Ann", themes=("Workforce",)))
        add_member(session, settings, MemberInput("bob@example.nhs.test", name="Bob", themes=("Primary Care",)))
        add_member(session, settings, MemberInput("cy@example.nhs.test", name="Cy"))
        for title, theme, day in [
            ("Rota redesign", "Workforce", 20),
            ("Old news", "Workforce", 10),
            ("Care home link", "Care Homes / Housing / Home Care / Day Services", 21),
        ]:
            session.add(
                Submission(
                    title=title,
                    theme=theme,
                    received_at=dt.datetime(2026, 11, day, 9, tzinfo=UTC),
                    organisation="Tees Trust",
                )
            )

    tuesday, wednesday = dt.datetime(2026, 11, 24, 9, tzinfo=UTC), dt.datetime(2026, 11, 25, 9, tzinfo=UTC)
    assert schedule.run_due(settings, tuesday) == []
    (result,) = schedule.run_due(settings, wednesday)
    assert (result.job, result.key, result.detail) == ("digest", "2026-W48", {"sent_to": ["ann@example.nhs.test"]})
    (digest,) = queued(settings, "digest")
    body = digest.get_body(("plain",)).get_content()
    assert "Rota redesign" in body and "Old news" not in body and "Care home link" not in body
    assert schedule.run_due(settings, wednesday + dt.timedelta(days=2)) == []  # once a week


def test_upcoming_lists_the_next_run_of_each_job_in_network_time(db_url, tmp_path):
    settings = make_settings(db_url, tmp_path, "digest = true\n")
    schedule.run_due(settings, NOV_2)
    jobs = {j["job"]: j for j in schedule.upcoming(settings, NOV_2)}
    assert jobs["period_close"] == {"job": "period_close", "key": "2026-11", "due": "2027-01-01T00:00:00+00:00"}
    assert jobs["reminders"] == {"job": "reminders", "key": "2026-11", "due": "2026-12-17T00:00:00+00:00"}
    assert jobs["digest"]["due"] == "2026-11-09T00:00:00+00:00"


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_bad_weekday_is_a_clear_error(db_url, tmp_path):
    settings = make_settings(
        db_url, tmp_path, 'draft_on_close = false\nreminders = false\ndigest = true\ndigest_weekday = "Funday"\n'
    )
    (result,) = schedule.run_due(settings, NOV_2)
    assert result.outcome == "failed" and "not a day of the week" in result.detail["error"]
