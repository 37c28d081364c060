"""Sending through a real SMTP server (aiosmtpd in-process): success, reuse, 4xx, 5xx, drops, timeouts."""

from __future__ import annotations

import datetime as dt
import email
import re

from hypothesis import given
from hypothesis import strategies as st
from outbox.outbox_helpers import queue, with_smtp
from sqlalchemy import select

from pipeline.outbound import claims, outbox, sender, smtp
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing, utcnow


def _rows(settings) -> dict[str, Outgoing]:
    with transaction(settings.database.url, readonly=True) as session:
        return {r.recipient: r for r in session.scalars(select(Outgoing))}


def _later(minutes: float):
    return lambda: utcnow() + dt.timedelta(minutes=minutes)


def test_happy_path_sends_each_once_on_one_connection(outbox_settings, smtp_sink):
    recipients = [f"member{i}@example.org" for i in range(12)]
    queue(outbox_settings, recipients)

    report = sender.send_due(outbox_settings)

    assert (report.sent, report.deferred, report.failed) == (12, 0, 0)
    assert smtp_sink.recipients() == recipients
    assert smtp_sink.connections_used() == {1}
    assert report.connections == 1
    assert all(m.mail_from == outbox_settings.smtp.from_address for m in smtp_sink.messages)
    rows = _rows(outbox_settings)
    assert {r.status for r in rows.values()} == {"sent"}
    assert all(r.attempts == 1 and r.sent_at and not r.claimed_by for r in rows.values())
    assert list(outbox_settings.outbox_path.glob("*.eml")) == []  # sent files leave the outbox
    # The bytes on the wire are the queued message.
    received = email.message_from_bytes(smtp_sink.messages[0].data)
    assert received["To"] == "member0@example.org" and received["Subject"] == "MLN bulletin 0"

    assert sender.send_due(outbox_settings).sent == 0  # a second flush sends nothing again
    assert len(smtp_sink.messages) == 12


def test_envelope_sender_is_the_rows_own(outbox_settings, smtp_sink):
    [row_id] = queue(outbox_settings, ["ann@example.org"])
    with transaction(outbox_settings.database.url) as session:
        session.get(Outgoing, row_id).envelope_from = "bulletin+bounce-abc@example.org"
    sender.send_due(outbox_settings)
    assert smtp_sink.messages[0].mail_from == "bulletin+bounce-abc@example.org"


def test_temporary_failure_is_retried_later_then_sent(outbox_settings, smtp_sink):
    smtp_sink.fail_rcpt_once["slow@example.org"] = "451 4.3.0 greylisted, try later"
    queue(outbox_settings, ["ann@example.org", "slow@example.org", "bob@example.org"])

    first = sender.send_due(outbox_settings)

    assert (first.sent, first.deferred) == (2, 1)
    row = _rows(outbox_settings)["slow@example.org"]
    assert row.status == "queued" and row.attempts == 1 and row.last_code == 451
    assert "greylisted" in row.last_error
    assert row.next_attempt_at > utcnow()
    assert outbox.outbox_status(outbox_settings).deferred == 1
    assert sender.send_due(outbox_settings).sent == 0  # not due yet

    second = sender.send_due(outbox_settings, now=_later(2))
    assert second.sent == 1
    assert _rows(outbox_settings)["slow@example.org"].status == "sent"
    assert smtp_sink.recipients().count("slow@example.org") == 1


def test_backoff_doubles_and_gives_up_after_max_attempts(outbox_settings, smtp_sink):
    settings = with_smtp(outbox_settings, max_attempts=3)
    smtp_sink.fail_rcpt["full@example.org"] = "452 4.2.2 mailbox full"
    queue(settings, ["full@example.org"])
    waits = []
    clock = utcnow()
    for _ in range(3):
        sender.send_due(settings, now=lambda at=clock: at)
        row = _rows(settings)["full@example.org"]
        if row.next_attempt_at:
            waits.append(row.next_attempt_at - clock)
            clock = row.next_attempt_at
    assert waits == [dt.timedelta(minutes=1), dt.timedelta(minutes=2)]
    assert row.status == "failed" and row.attempts == 3
    assert row.last_error.startswith("gave up after 3 attempts")
    assert sender.backoff(20) == sender.BACKOFF_MAX


def test_permanent_failure_at_rcpt_and_data_is_a_hard_bounce(outbox_settings, smtp_sink):
    smtp_sink.fail_rcpt["gone@example.org"] = "550 5.1.1 no such user"
    smtp_sink.fail_data_nth[2] = "554 5.7.1 message refused"  # 2nd DATA = third recipient's message
    queue(outbox_settings, ["ann@example.org", "gone@example.org", "spam@example.org", "bob@example.org"])
    seen = []

    report = sender.send_due(
        outbox_settings,
        on_hard_bounce=lambda session, row, failure: seen.append((row.recipient, failure.code, failure.stage)),
    )

    assert (report.sent, report.failed) == (2, 2)
    assert sorted(seen) == [("gone@example.org", 550, "RCPT"), ("spam@example.org", 554, "DATA")]
    assert sorted((b.recipient, b.code) for b in report.hard_bounces) == [
        ("gone@example.org", 550),
        ("spam@example.org", 554),
    ]
    rows = _rows(outbox_settings)
    assert rows["gone@example.org"].status == "failed" and rows["gone@example.org"].last_code == 550
    assert "no such user" in rows["gone@example.org"].last_error
    assert smtp_sink.recipients() == ["ann@example.org", "bob@example.org"]
    assert smtp_sink.connections_used() == {1}  # a refusal does not cost the connection

    # `mln outbox retry` makes failed rows due again.
    smtp_sink.fail_rcpt.clear()
    assert outbox.retry(outbox_settings).failed_requeued == 2
    assert sender.send_due(outbox_settings).sent == 2


def test_connection_dropped_at_rcpt_defers_and_reconnects(outbox_settings, smtp_sink):
    smtp_sink.drop_rcpt.add("drop@example.org")
    queue(outbox_settings, ["ann@example.org", "drop@example.org", "bob@example.org"])

    report = sender.send_due(outbox_settings)

    assert (report.sent, report.deferred) == (2, 1)
    assert report.connections == 2
    assert len(smtp_sink.connections_used()) == 2
    assert _rows(outbox_settings)["drop@example.org"].status == "queued"


def test_connection_dropped_after_data_is_retried_not_lost(outbox_settings, smtp_sink):
    smtp_sink.drop_data_nth.add(1)  # hang up before answering the first message
    queue(outbox_settings, ["ann@example.org", "bob@example.org"])

    report = sender.send_due(outbox_settings)
    assert (report.sent, report.deferred) == (1, 1)
    assert sender.send_due(outbox_settings, now=_later(2)).sent == 1
    assert sorted(smtp_sink.recipients()) == ["ann@example.org", "bob@example.org"]
    assert {r.status for r in _rows(outbox_settings).values()} == {"sent"}


def test_421_closes_the_connection_and_the_rest_go_on_a_new_one(outbox_settings, smtp_sink):
    smtp_sink.fail_rcpt_once["busy@example.org"] = "421 4.7.0 too many messages, closing"
    queue(outbox_settings, ["busy@example.org", "ann@example.org"])
    report = sender.send_due(outbox_settings)
    assert (report.sent, report.deferred) == (1, 1)
    assert report.connections == 2


def test_server_that_hangs_times_out_and_is_retried(outbox_settings, smtp_sink):
    settings = with_smtp(outbox_settings, timeout=0.5)
    smtp_sink.hang_data_nth[1] = 3.0
    queue(settings, ["ann@example.org"])

    report = sender.send_due(settings)

    assert report.deferred == 1
    assert "timed out" in _rows(settings)["ann@example.org"].last_error
    assert sender.send_due(settings, now=_later(2)).sent == 1


def test_idle_connection_closed_by_server_is_replaced_without_a_failure(outbox_settings, smtp_sink):
    queue(outbox_settings, ["ann@example.org", "bob@example.org"])
    conn = smtp.SmtpConnection(outbox_settings)
    conn.send("bulletin@example.org", "ann@example.org", b"Subject: one\r\n\r\nx\r\n")
    smtp_sink.hang_up_all()  # the server drops the idle connection
    conn.send("bulletin@example.org", "bob@example.org", b"Subject: two\r\n\r\nx\r\n")
    conn.close()
    assert smtp_sink.recipients() == ["ann@example.org", "bob@example.org"]
    assert conn.opened == 2


def test_unreachable_server_stops_the_run_and_keeps_everything_queued(db_url, tmp_path):
    from fixtures.smtp import free_port
    from outbox.outbox_helpers import make_settings

    settings = make_settings(db_url, tmp_path, f"smtp://127.0.0.1:{free_port()}")
    queue(settings, ["ann@example.org", "bob@example.org"])
    report = sender.send_due(settings)
    assert report.sent == 0 and "cannot connect" in report.stopped
    rows = _rows(settings).values()
    assert all(r.status == "queued" and r.attempts == 0 and not r.claimed_by for r in rows)


def test_rate_limit_spaces_message_starts(outbox_settings, smtp_sink):
    settings = with_smtp(outbox_settings, rate_per_minute=120)
    queue(settings, [f"m{i}@example.org" for i in range(4)])
    fake_time = [1000.0]
    sleeps = []

    def sleep(seconds):  # a fake clock beside the real server: no wall-clock waiting in tests
        sleeps.append(round(seconds, 6))
        fake_time[0] += seconds

    limiter = sender.RateLimiter(settings.smtp.rate_per_minute, clock=lambda: fake_time[0], sleep=sleep)
    assert sender.send_due(settings, limiter=limiter).sent == 4
    assert sleeps == [0.5, 0.5, 0.5]


def test_limit_sends_only_that_many(outbox_settings, smtp_sink):
    queue(outbox_settings, [f"m{i}@example.org" for i in range(5)])
    progress = []
    assert sender.send_due(outbox_settings, limit=3, progress=progress.append).sent == 3
    assert progress == [1, 1, 1]
    assert claims.count_due(outbox_settings) == 2


def test_sender_refused_stops_the_run_without_blaming_recipients(outbox_settings, smtp_sink):
    smtp_sink.fail_mail = "553 5.7.1 sender address rejected: not owned by user"
    queue(outbox_settings, ["ann@example.org", "bob@example.org"])
    hook_calls = []
    report = sender.send_due(outbox_settings, on_hard_bounce=lambda *args: hook_calls.append(args))
    assert report.sent == report.failed == 0 and hook_calls == []
    assert "refused us at MAIL: 553" in report.stopped
    assert all(r.status == "queued" and r.attempts == 0 for r in _rows(outbox_settings).values())


def test_authentication_required_at_rcpt_stops_the_run(outbox_settings, smtp_sink):
    smtp_sink.fail_rcpt["ann@example.org"] = "530 5.7.0 authentication required"
    queue(outbox_settings, ["ann@example.org", "bob@example.org"])
    report = sender.send_due(outbox_settings)
    assert report.failed == 0 and "530" in report.stopped
    assert {r.status for r in _rows(outbox_settings).values()} == {"queued"}


def test_missing_outbox_file_falls_back_to_the_stored_copy(outbox_settings, smtp_sink):
    [kept, lost] = queue(outbox_settings, ["ann@example.org", "bob@example.org"])
    outbox.spool_pending(outbox_settings)
    for row_id in (kept, lost):
        outbox.spool_path(outbox_settings, outbox.spool_name_for(row_id)).unlink()
    with transaction(outbox_settings.database.url) as session:
        session.get(Outgoing, lost).raw = None  # nothing left anywhere
    report = sender.send_due(outbox_settings)
    assert (report.sent, report.failed) == (1, 1)
    assert smtp_sink.recipients() == ["ann@example.org"]
    assert "no outbox file" in _rows(outbox_settings)["bob@example.org"].last_error


@given(st.lists(st.sampled_from([b".", b"\r\n", b"\n", b"\r", b"a", b"..", b". "]), max_size=30))
def test_dot_stuffing_gives_what_smtplib_gives(pieces):
    data = b"".join(pieces)
    assert smtp.dot_stuffed(data) == re.sub(rb"(?m)^\.", b"..", data)  # smtplib's _quote_periods
