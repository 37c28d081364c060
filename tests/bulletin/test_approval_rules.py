"""Issue 20, item 1 (rest): items no longer approved, --send-at, a by-hand send of an empty edition, two approvers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import update

from pipeline import schedule
from pipeline.outbound.bulletin.drafts import draft_bulletin
from pipeline.periods import parse_period
from pipeline.store import db
from pipeline.store.models import Bulletin

from .cycle import copies, mln, settings_of, write_config
from .records import add_submission, at, edit_submission


@pytest.fixture
def config(db_url, tmp_path, smtp_sink):
    return write_config(tmp_path, db_url, smtp_sink.url())


def test_an_item_rejected_after_the_draft_is_refused_until_forced(config):
    settings = settings_of(config)
    kept = add_submission(settings.database.url, "Kept plan", at(2026, 11, 3))
    dropped = add_submission(settings.database.url, "Withdrawn plan", at(2026, 11, 4))
    bulletin_id = str(draft_bulletin(settings, parse_period("2026-11"))["id"])
    edit_submission(settings.database.url, dropped, status="rejected")
    refused = mln(config, "bulletin", "approve", bulletin_id)
    assert refused.exit_code == 1
    assert "1 item(s) are no longer approved (CH-2026-" in refused.output
    forced = mln(
        config, "bulletin", "approve", bulletin_id, "--force", "--reason", "the rejection was a slip", "--json"
    )
    assert forced.exit_code == 0, forced.output
    data = json.loads(forced.output)
    assert data["forced_reason"] == "the rejection was a slip" and "no longer approved" in data["overridden"][0]
    assert kept  # the kept item alone would have passed


def test_send_at_holds_the_scheduled_send_until_its_time(config):
    settings = settings_of(config)
    add_submission(settings.database.url, "A plan", at(2026, 11, 3))
    bulletin_id = draft_bulletin(settings, parse_period("2026-11"))["id"]
    approved = mln(config, "bulletin", "approve", str(bulletin_id), "--send-at", "2099-01-05 09:00")
    assert approved.exit_code == 0, approved.output
    assert "at the first `mln worker` check or `mln schedule run` at or after 2099-01-05 09:00 Europe/London" in (
        approved.output
    )
    assert schedule.run_due(settings) == []
    assert copies(settings) == []
    listed = json.loads(mln(config, "schedule", "list", "--json").output)
    [row] = [r for r in listed if r["job"] == "send"]
    assert row["due"] == "not before 2099-01-05 09:00 Europe/London"
    by_hand = mln(config, "bulletin", "send", str(bulletin_id))
    assert by_hand.exit_code == 1 and "--now" in by_hand.output and copies(settings) == []

    with db.transaction(settings.database.url) as session:  # the time comes
        session.execute(update(Bulletin).values(send_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    (result,) = schedule.run_due(settings)
    assert result.detail["queued"] == {bulletin_id: {"internal": 1, "external": 1}}


def test_a_send_at_in_the_past_is_refused(config):
    settings = settings_of(config)
    add_submission(settings.database.url, "A plan", at(2026, 11, 3))
    bulletin_id = str(draft_bulletin(settings, parse_period("2026-11"))["id"])
    assert "already past" in mln(config, "bulletin", "approve", bulletin_id, "--send-at", "2020-01-01 09:00").output
    assert "YYYY-MM-DD HH:MM" in mln(config, "bulletin", "approve", bulletin_id, "--send-at", "tomorrow").output


def test_send_by_hand_refuses_an_edition_forced_through_empty(config, smtp_sink):
    settings = settings_of(config)
    add_submission(settings.database.url, "Members only", at(2026, 11, 3), share=False)
    bulletin_id = str(draft_bulletin(settings, parse_period("2026-11"))["id"])
    assert mln(config, "bulletin", "approve", bulletin_id, "--force", "--reason", "members only").exit_code == 0
    refused = mln(config, "bulletin", "send", bulletin_id)
    assert refused.exit_code == 1
    assert "the external edition(s) of bulletin" in refused.output
    assert f"mln bulletin send {bulletin_id} --list internal" in refused.output
    assert copies(settings) == [] and smtp_sink.messages == []
    sent = mln(config, "bulletin", "send", bulletin_id, "--list", "internal")
    assert sent.exit_code == 0, sent.output
    assert [r for m in smtp_sink.messages for r in m.rcpt_tos] == ["member@example.nhs.test"]


def test_two_approvers_are_needed_when_configured(db_url, tmp_path, smtp_sink):
    config = write_config(tmp_path, db_url, smtp_sink.url(), "[bulletin]\napprovals = 2\n")
    settings = settings_of(config)
    add_submission(settings.database.url, "A plan", at(2026, 11, 3))
    bulletin_id = str(draft_bulletin(settings, parse_period("2026-11"))["id"])
    first = mln(config, "bulletin", "approve", bulletin_id, "--as", "Comms lead", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["approvals_needed"] == 1
    assert "once 1 more person(s) approve it" in json.loads(first.output)["goes"]
    assert schedule.run_due(settings) == [] and copies(settings) == []
    listed = json.loads(mln(config, "schedule", "list", "--json").output)
    assert [r["due"] for r in listed if r["job"] == "send"] == [
        f"after 1 more approval(s): mln bulletin approve {bulletin_id} --as NAME"
    ]
    assert mln(config, "bulletin", "send", bulletin_id).exit_code == 1
    again = mln(config, "bulletin", "approve", bulletin_id, "--as", "Comms lead")
    assert again.exit_code == 1 and "needs a different person" in again.output

    second = mln(config, "bulletin", "approve", bulletin_id, "--as", "Network manager", "--json")
    assert second.exit_code == 0, second.output
    data = json.loads(second.output)
    assert data["approvers"] == ["Comms lead", "Network manager"] and data["approvals_needed"] == 0
    (result,) = schedule.run_due(settings)
    assert result.detail["queued"] == {int(bulletin_id): {"internal": 1, "external": 1}}
    third = mln(config, "bulletin", "approve", bulletin_id, "--as", "Someone else")
    assert third.exit_code == 1 and "already sent" in third.output
