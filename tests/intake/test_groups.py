"""Several messages in one transaction, and the one-at-a-time fallback.

A pass handles each fetched batch (here 4 messages, the fixture's batch_size) in
one transaction. A crash inside a group leaves its messages waiting and a mark;
the next pass takes them one at a time, so the messages before one that kills
the process are still filed. A conflict with another poller undoes the group, whose
messages are then handled one at a time.
"""

from __future__ import annotations

import logging
import signal

from fixtures.samples import numbered_message, sample
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError

from pipeline import passes
from pipeline.intake import recording
from pipeline.store import db
from pipeline.store import records as store
from pipeline.store.models import MailboxState, Submission


def group_mark(intake) -> int:
    with db.transaction(intake.settings.database.url, readonly=True) as session:
        return session.scalar(select(MailboxState.group_through)) or 0


def test_a_clean_pass_files_every_group_and_leaves_no_mark(intake):
    intake.account.append_many([numbered_message(n) for n in range(10)])

    summary = passes.poll_once(intake.settings)

    assert summary.fetched == 10 and summary.moved_or_flagged == 10
    assert set(intake.count_by_message_id().values()) == {1} and len(intake.count_by_message_id()) == 10
    assert group_mark(intake) == 0
    assert intake.account.uids("INBOX") == []


def test_after_a_crash_inside_a_group_its_messages_go_one_at_a_time(intake):
    intake.account.append_many([numbered_message(n) for n in range(4)])
    kill_at_third = {"MLN_DEBUG_CRASH_AT": "before_commit:3"}

    first = intake.run("poll", extra_env=kill_at_third)
    assert first.returncode == -signal.SIGKILL
    assert intake.recorded() == []  # the group never committed: all four still wait
    assert group_mark(intake) == max(intake.account.uids("INBOX"))

    # The same message kills the process again; taken one at a time, the two before it are filed.
    second = intake.run("poll", extra_env=kill_at_third)
    assert second.returncode == -signal.SIGKILL
    assert len(intake.recorded()) == 2

    intake.poll_json()
    assert set(intake.count_by_message_id().values()) == {1} and len(intake.count_by_message_id()) == 4
    assert intake.account.uids("INBOX") == []


def test_a_conflict_inside_a_group_undoes_it_and_each_message_is_handled_alone(intake, monkeypatch):
    # Beside tests/intake/test_crash_safety.py::test_two_pollers_at_once (two real pollers):
    # here the other poller's insert is stood in for by an IntegrityError on the group's second message.
    intake.account.append_many([numbered_message(n) for n in range(4)])
    real = recording.record_message
    calls = []

    def conflict_on_second_in_group(session, rules, key, epoch, fetched, prepared, **kwargs):
        calls.append(fetched.uid)
        if len(calls) == 2:
            raise IntegrityError("INSERT INTO messages", {}, Exception("UNIQUE constraint failed"))
        return real(session, rules, key, epoch, fetched, prepared, **kwargs)

    monkeypatch.setattr(recording, "record_message", conflict_on_second_in_group)
    summary = passes.poll_once(intake.settings)

    assert summary.fetched == 4 and summary.outcomes["held"] + summary.outcomes["processed"] == 4
    assert calls[:2] == calls[2:4]  # the group's first two, then the same messages again one at a time
    assert set(intake.count_by_message_id().values()) == {1} and len(intake.count_by_message_id()) == 4
    assert group_mark(intake) == max(calls)  # the undone group's mark stays; it only ever means "go one at a time"


UNREADABLE_BOUNCE = (
    b"From: MAILER-DAEMON@mx.example.org\r\nTo: bulletin@example.org\r\n"
    b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-1@mx.example.org>\r\n"
    b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nSomething went wrong, but we will not say to whom.\r\n"
)


def test_a_message_its_handler_holds_sends_its_group_one_at_a_time(intake, caplog):
    caplog.set_level(logging.INFO, logger="pipeline.intake.poll")
    intake.account.append_many([numbered_message(0), numbered_message(1), UNREADABLE_BOUNCE, numbered_message(2)])

    summary = passes.poll_once(intake.settings)

    by_id = {m.message_id: m for m in intake.recorded()}
    bounce = by_id["<bounce-1@mx.example.org>"]
    assert (bounce.handler, bounce.outcome) == ("bounce", "held")
    assert "names no address or token" in bounce.reason  # the handler's own reason, from its savepoint run
    assert summary.fetched == 4 and len(by_id) == 4
    assert "one at a time (handler bounce: HoldMessage)" in caplog.text
    assert intake.account.uids("INBOX") == []


def test_the_same_message_twice_in_one_group_is_filed_once(intake):
    submission = sample("gmail-submission-xlsx.eml")
    intake.account.append_many([numbered_message(0), submission, submission, numbered_message(1)])

    summary = passes.poll_once(intake.settings)

    assert summary.outcomes["duplicate"] == 1 and summary.fetched == 4
    with db.transaction(intake.settings.database.url, readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(Submission)) == 1


def test_a_value_the_database_refuses_in_a_group_sends_it_one_at_a_time(intake, monkeypatch, caplog):
    # Stands in for a DataError at the group's flush (a real one needs input no form produces);
    # alone, each message's handler runs in its savepoint, where such an error quarantines just that message.
    caplog.set_level(logging.INFO, logger="pipeline.intake.poll")
    intake.account.append_many([numbered_message(n) for n in range(3)])
    real_clear = store.clear_group
    refused = []

    def refuse_once(session, key, last_uid):
        if not refused:
            refused.append(last_uid)
            raise DataError("UPDATE mailbox_state", {}, Exception("value out of range"))
        return real_clear(session, key, last_uid)

    monkeypatch.setattr(store, "clear_group", refuse_once)
    summary = passes.poll_once(intake.settings)

    assert refused and summary.fetched == 3 and len(intake.count_by_message_id()) == 3
    assert "one at a time (Exception)" in caplog.text
