"""`mln status` and `mln messages` read through the driver (store/reader.py, issue #23): the counts,
times and rows they give for records written by the models, on SQLite and PostgreSQL; and
`mln status` stays light while a bulletin send waits."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fixtures.light_imports import run_probed

from pipeline.config import load_settings
from pipeline.errors import NotFound
from pipeline.intake.messages import list_messages, show_message
from pipeline.status import collect_status
from pipeline.store import db
from pipeline.store.models import (
    Bulletin,
    JobRun,
    MailboxState,
    Member,
    Message,
    Outgoing,
    ReminderSent,
    WorkerHeartbeat,
)

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
FRESH = dt.timedelta(seconds=2 * 60 + 120)  # a worker seen within 2 * mailbox.poll_interval + 120 s is running


def make_settings(db_url, tmp_path):
    config = tmp_path / "mln.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n[mailbox]\nurl = "maildir://./mailbox"\npoll_interval = 60\n'
        '[network]\ntimezone = "Asia/Tokyo"\n[schedule]\ndigest = true\ndigest_weekday = "Friday"\n'
    )
    return load_settings(config, {})


def message(n: int, outcome: str, filed: bool = True) -> Message:
    return Message(
        mailbox="m", folder="INBOX", location=f"1/{n}", message_id=f"<{n}@example.org>", sha256="0" * 64,
        size=100 * n, from_addr=f"lead{n}@example.org", from_name="", subject=f"Plan {n}",
        received_at=NOW - dt.timedelta(hours=n), in_reply_to="", references="", auto_submitted=False,
        rule="submissions", rule_hits=[{"rule": "submissions", "matched": True}], handler="submission",
        outcome=outcome, reason=f"reason {n}", error="", action="move", action_target="", flags="",
        action_done=filed, action_claim="", retries=n, raw_compressed=b"",
    )  # fmt: skip


def copy(
    n: int, status: str, bulletin_id: int | None = None, retry_at: dt.datetime | None = None, audience: str = "internal"
) -> Outgoing:
    return Outgoing(
        kind="bulletin" if bulletin_id else "reply", recipient=f"r{n}@example.org", envelope_from="mln@example.org",
        subject="s", message_id=f"<o{n}@example.org>", bulletin_id=bulletin_id, audience=audience, status=status,
        spool_name="", attempts=0, next_attempt_at=retry_at, last_error="", claimed_by="", last_code=0,
    )  # fmt: skip


def heartbeat(name: str, seen: dt.timedelta, stopped: bool = False) -> WorkerHeartbeat:
    return WorkerHeartbeat(
        name=name, host="mln-host", pid=len(name), started_at=NOW - dt.timedelta(hours=len(name)),
        seen_at=NOW - seen, stopped_at=NOW if stopped else None, turns=7,
    )  # fmt: skip


@pytest.fixture
def records(db_url):
    with db.transaction(db_url) as session:
        session.add_all([message(1, "processed"), message(2, "held", filed=False), message(3, "quarantined")])
        session.add_all([message(4, "held")])
        session.add(MailboxState(mailbox="m", folder="INBOX", last_poll_at=NOW - dt.timedelta(minutes=5)))
        session.add(MailboxState(mailbox="m", folder="Old", last_poll_at=NOW - dt.timedelta(days=5)))
        session.add_all(
            [
                heartbeat("fresh", dt.timedelta(seconds=30)),
                heartbeat("at-the-edge", FRESH),
                heartbeat("stale", FRESH + dt.timedelta(seconds=1)),
                heartbeat("stopped", dt.timedelta(seconds=1), stopped=True),
            ]
        )
        session.add(JobRun(job="period_close", key="2026-09", result="drafted"))
        lead = Member(email="ann@example.org", name="Ann", organisation="", region="", themes=[], active=True)
        session.add(lead)
        session.flush()
        session.add(ReminderSent(member_id=lead.id, period_start=dt.date(2026, 11, 1), sent_at=NOW))
        sent = Bulletin(number=1, period_start=dt.date(2026, 7, 1), status="sent", subject="No. 1", sent_at=NOW)
        draft = Bulletin(number=2, period_start=dt.date(2026, 9, 1), status="draft", subject="No. 2")
        session.add_all([sent, draft])
        session.flush()
        session.add_all(
            [
                copy(1, "queued", retry_at=NOW + dt.timedelta(minutes=5)),  # waiting to retry
                copy(2, "queued", retry_at=NOW),  # due now: not deferred
                copy(3, "queued"),
                copy(4, "failed"),
                copy(5, "sent", sent.id),
                copy(6, "sent", draft.id),
                copy(7, "failed", draft.id),
            ]
        )
    return db_url


def test_status_counts_and_times_from_the_records(records, tmp_path):
    data = collect_status(make_settings(records, tmp_path), NOW)
    assert data["now"] == "2026-11-20T21:00:00+09:00"
    assert data["mailbox"] == {
        "url": "maildir://./mailbox",
        "last_poll_at": "2026-11-20T20:55:00+09:00",
        "last_poll_seconds": None,
        "folder": "INBOX",
    }
    assert data["messages"] == {"total": 4, "held": 2, "quarantined": 1, "not_yet_filed": 1}
    assert data["submissions"] == {"pending": 0, "needs_changes": 0, "approved": 0, "rejected": 0}
    assert data["outbox"] == {"queued": 3, "deferred": 1, "failed": 2, "sent": 2}
    assert data["last_bulletin"] == {
        "id": 2,
        "number": 2,
        "period": "2026-09",
        "status": "draft",
        "subject": "No. 2",
        "approved_at": None,
        "sent_at": None,
        "deliveries": {"queued": 0, "sent": 1, "failed": 1},
    }
    running = data["worker"]["running"]
    assert [w["pid"] for w in running] == [len("at-the-edge"), len("fresh")]  # oldest first; stale, stopped left out
    assert running[1] == {
        "host": "mln-host",
        "pid": 5,
        "started_at": "2026-11-20T16:00:00+09:00",
        "seen_at": "2026-11-20T20:59:30+09:00",
        "turns": 7,
    }


def test_status_next_jobs_know_what_is_done(records, tmp_path):
    settings = make_settings(records, tmp_path)
    jobs = collect_status(settings, NOW)["next_jobs"]  # soonest first
    assert [(j["job"], j["key"], j["due"]) for j in jobs] == [
        ("digest", "2026-W47", "2026-11-20T21:00:00+09:00"),  # Friday, not done: due now
        ("reminders", "2026-11", "2026-12-17T00:00:00+09:00"),
        ("period_close", "2026-11", "2027-01-01T00:00:00+09:00"),  # 2026-09 is done
    ]
    after_reminders = collect_status(settings, dt.datetime(2026, 12, 20, tzinfo=UTC))["next_jobs"]
    assert ("reminders", "2027-01") in [(j["job"], j["key"]) for j in after_reminders]  # Ann had hers


def test_messages_list_and_show_from_the_records(records, tmp_path):
    settings = make_settings(records, tmp_path)
    assert [m["id"] for m in list_messages(settings)] == [4, 3, 2, 1]
    assert [m["id"] for m in list_messages(settings, outcome="held", limit=1)] == [4]
    assert list_messages(settings, outcome="duplicate") == []
    shown = show_message(settings, 2)
    assert shown == {
        "id": 2,
        "message_id": "<2@example.org>",
        "from": "lead2@example.org",
        "subject": "Plan 2",
        "received_at": "2026-11-20T10:00:00+00:00",
        "rule": "submissions",
        "outcome": "held",
        "reason": "reason 2",
        "rule_hits": [{"rule": "submissions", "matched": True}],
        "handler": "submission",
        "error": "",
        "folder": "INBOX",
        "location": "1/2",
        "size": 200,
        "retries": 2,
    }
    with pytest.raises(NotFound):
        show_message(settings, 99)


# ---- a bulletin send waiting or under way ------------------------------------------------------

SEND_AT = dt.datetime(2099, 1, 5, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo


@pytest.fixture
def waiting(records):
    """Beside the records: No. 1 (sent) still has a copy queued, No. 3 is approved and held back
    by its send-at time with copies queued, No. 4 is approved with nothing queued yet."""
    approved_by = [{"by": "Ann", "at": "2026-11-19T09:00:00+00:00"}]
    with db.transaction(records) as session:
        held = Bulletin(
            number=3, period_start=dt.date(2026, 11, 1), status="approved", subject="No. 3",
            approvals=approved_by, send_at=SEND_AT,
        )  # fmt: skip
        ready = Bulletin(
            number=4, period_start=dt.date(2027, 1, 1), status="approved", subject="No. 4", approvals=approved_by
        )
        session.add_all([held, ready])
        session.flush()
        session.add_all(
            [
                copy(8, "queued", 1),
                copy(9, "queued", held.id),
                copy(10, "queued", held.id),
                copy(11, "sent", held.id, audience="external"),
            ]
        )
    return records


def test_status_shows_the_sends_waiting(waiting, tmp_path):
    sends = [j for j in collect_status(make_settings(waiting, tmp_path), NOW)["next_jobs"] if j["job"] == "send"]
    assert [(s["key"], s["due"]) for s in sends] == [
        ("bulletin 1 (No. 1), sending: internal: 1 queued, 1 sent", "now"),
        ("bulletin 3 (No. 3), waiting: external: 1 sent; internal: 2 queued", "not before 2099-01-05 09:00 Asia/Tokyo"),
        ("bulletin 4 (No. 4), waiting", "next run"),
    ]
    assert sends[1]["bulletin"] == {
        "bulletin_id": 3,
        "number": 3,
        "state": "waiting",
        "due": "not before 2099-01-05 09:00 Asia/Tokyo",
        "copies": {"external": {"sent": 1}, "internal": {"queued": 2}},
    }


def test_status_imports_no_sqlalchemy_while_a_send_waits(waiting, tmp_path):
    config = tmp_path / "mln.toml"
    make_settings(waiting, tmp_path)  # writes the config file
    probed = run_probed(config, "status", "--json")
    assert probed.code == 0, probed.stderr
    sends = [j["bulletin"]["number"] for j in json.loads(probed.stdout)["next_jobs"] if j["job"] == "send"]
    assert sends == [1, 3, 4]  # the waiting sends were read ...
    assert probed.heavy == []  # ... without SQLAlchemy or the models
