"""Issue 20: approve refuses empty or early editions; unapprove; cancel; no reaching back."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from pipeline import schedule
from pipeline.cli import cli
from pipeline.config import load_settings
from pipeline.errors import ApprovalRefused, WrongState
from pipeline.mailing.sending import approve_for_sending, queue_bulletin
from pipeline.outbound.bulletin.drafts import draft_bulletin, unapprove_bulletin
from pipeline.people import subscribers as subs
from pipeline.periods import parse_period
from pipeline.store import db
from pipeline.store.models import Bulletin, Outgoing

from .records import add_submission, at


@pytest.fixture
def config(db_url, tmp_path):
    path = tmp_path / "mln.toml"
    path.write_text(
        f'[database]\nurl = "{db_url}"\n[paths]\noutbox_dir = "{tmp_path}/outbox"\n'
        "[schedule]\nsend_approved = true\nreminders = false\ndraft_on_close = false\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def settings(config):
    settings = load_settings(config, {"MLN_TOKEN_SECRET": "test-secret-0123456789abcdef"})
    with db.transaction(settings.database.url) as session:
        subs.add(session, settings, "partner@example.org", "external", via="cli")
        subs.add(session, settings, "member@example.nhs.test", "internal", via="cli")
    return settings


def mln(config, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def copies(settings) -> list[tuple[str, str]]:
    with db.transaction(settings.database.url, readonly=True) as session:
        return sorted(tuple(r) for r in session.execute(select(Outgoing.recipient, Outgoing.status)))


def test_an_empty_edition_is_refused_and_the_schedule_sends_nothing(config, settings):
    bulletin_id = str(draft_bulletin(settings, parse_period("2026-11"))["id"])
    refused = mln(config, "bulletin", "approve", bulletin_id)
    assert refused.exit_code == 1
    assert "the internal edition has no items; the external edition has no items" in refused.output
    assert f"mln bulletin approve {bulletin_id} --force --reason TEXT" in refused.output
    assert mln(config, "schedule", "run").exit_code == 0
    assert copies(settings) == []


def test_a_period_not_started_is_refused(settings):
    add_submission(settings.database.url, "A plan", at(2026, 11, 3))
    summary = draft_bulletin(settings, parse_period("2026-11"), today=dt.date(2026, 11, 5))
    with pytest.raises(ApprovalRefused, match="has not started"):
        approve_for_sending(settings, summary["id"], today=dt.date(2026, 10, 30))


def test_forced_approval_is_recorded_and_the_schedule_skips_the_empty_audience(config, settings):
    add_submission(settings.database.url, "Internal only", at(2026, 11, 3), share=False)
    bulletin_id = str(draft_bulletin(settings, parse_period("2026-11"))["id"])
    refused = mln(config, "bulletin", "approve", bulletin_id)
    assert refused.exit_code == 1 and "the external edition has no items" in refused.output
    assert "internal edition" not in refused.output
    forced = mln(config, "bulletin", "approve", bulletin_id, "--force", "--reason", "members only this time", "--json")
    assert forced.exit_code == 0, forced.output
    data = json.loads(forced.output)
    assert data["forced_reason"] == "members only this time" and "mln schedule run" in data["goes"]
    (result,) = schedule.run_due(settings)
    assert result.detail["queued"] == {int(bulletin_id): {"internal": 1}}
    assert "external edition" in result.detail["skipped"][int(bulletin_id)]["external"]
    assert copies(settings) == [("member@example.nhs.test", "queued")]


def test_unapprove_returns_to_draft_only_before_any_copy_is_queued(config, settings):
    add_submission(settings.database.url, "A plan", at(2026, 11, 3))
    bulletin_id = str(draft_bulletin(settings, parse_period("2026-11"))["id"])
    approved = mln(config, "bulletin", "approve", bulletin_id)
    assert approved.exit_code == 0 and "It will be sent at the next `mln worker` check" in approved.output
    back = mln(config, "bulletin", "unapprove", bulletin_id)
    assert back.exit_code == 0 and "is a draft again" in back.output
    assert json.loads(mln(config, "bulletin", "list", "--json").output)[0]["status"] == "draft"
    assert mln(config, "bulletin", "approve", bulletin_id).exit_code == 0
    queue_bulletin(settings, int(bulletin_id))
    late = mln(config, "bulletin", "unapprove", bulletin_id)
    assert late.exit_code == 1 and f"mln bulletin cancel {bulletin_id}" in late.output


def test_cancel_during_a_send_stops_every_copy_not_yet_sent(config, settings):
    add_submission(settings.database.url, "A plan", at(2026, 11, 3))
    bulletin_id = draft_bulletin(settings, parse_period("2026-11"))["id"]
    approve_for_sending(settings, bulletin_id)
    queue_bulletin(settings, bulletin_id)
    with db.transaction(settings.database.url) as session:  # one copy went before the cancel
        session.execute(update(Outgoing).where(Outgoing.recipient == "partner@example.org").values(status="sent"))
    result = mln(config, "bulletin", "cancel", str(bulletin_id), "--reason", "wrong intro", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) | {"in_flight": 0} == {
        "bulletin_id": bulletin_id,
        "reason": "wrong intro",
        "sent": 1,
        "stopped": 1,
        "in_flight": 0,
        "failed": 0,
    }
    assert copies(settings) == [("member@example.nhs.test", "cancelled"), ("partner@example.org", "sent")]
    assert mln(config, "outbox", "flush").exit_code in (0, 3)  # nothing left to claim
    assert copies(settings)[0][1] == "cancelled"
    with pytest.raises(WrongState, match="cancelled"):
        queue_bulletin(settings, bulletin_id)
    with pytest.raises(WrongState):
        unapprove_bulletin(settings, bulletin_id)
    assert mln(config, "bulletin", "cancel", str(bulletin_id), "--reason", "again").exit_code == 1


def test_the_first_scheduled_close_does_not_reach_back_before_the_installation(settings):
    first = schedule.period_close(settings, dt.date(2026, 11, 2), dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC))
    assert first.outcome == "skipped" and "ended before the installation" in first.detail["reason"]
    with db.transaction(settings.database.url, readonly=True) as session:
        assert session.scalars(select(Bulletin)).all() == []


def test_schedule_list_shows_a_send_waiting_then_under_way(config, settings):
    add_submission(settings.database.url, "Shared plan", at(2026, 11, 3), share=True)
    bulletin_id = draft_bulletin(settings, parse_period("2026-11"))["id"]
    approve_for_sending(settings, bulletin_id, today=dt.date(2026, 12, 6))

    waiting = [row for row in json.loads(mln(config, "schedule", "list", "--json").output) if row["job"] == "send"]
    assert [(r["bulletin"]["bulletin_id"], r["bulletin"]["state"], r["due"]) for r in waiting] == [
        (bulletin_id, "waiting", "next run")
    ]

    queue_bulletin(settings, bulletin_id, "all")
    listed = mln(config, "schedule", "list")
    assert listed.exit_code == 0
    assert f"bulletin {bulletin_id} (No. 1), sending: external: 1 queued; internal: 1 queued" in listed.output
