"""Each delivery is recorded while the next message goes out, never after the next one is accepted.

The sender writes message N's "sent" record in a thread of its own while
message N+1's body is on the wire, and sends N+1's final "." only once that
record is committed. So a server never holds two accepted messages that are
not marked sent: a kill still repeats at most one message.
"""

from __future__ import annotations

import email

import pytest
from outbox.outbox_helpers import queue
from sqlalchemy import func, select

from pipeline.errors import DatabaseError
from pipeline.outbound import claims, sender
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing


def sent_rows(settings) -> int:
    with transaction(settings.database.url, readonly=True) as session:
        return session.scalar(select(func.count()).select_from(Outgoing).where(Outgoing.status == "sent"))


def test_each_message_is_marked_sent_before_the_next_one_is_accepted(outbox_settings, smtp_sink):
    queue(outbox_settings, [f"member{i}@example.org" for i in range(8)])
    marked_when_accepted = []
    accept = smtp_sink.handler.handle_DATA

    async def count_then_accept(server, session, envelope):  # runs when a message's final "." has arrived
        marked_when_accepted.append(sent_rows(outbox_settings))
        return await accept(server, session, envelope)

    smtp_sink.handle_DATA = count_then_accept
    report = sender.send_due(outbox_settings)

    assert report.sent == 8
    assert marked_when_accepted == list(range(8))  # message N arrived with exactly the N before it marked sent
    assert sent_rows(outbox_settings) == 8


def test_a_record_that_fails_stops_the_next_message_before_its_end(outbox_settings, smtp_sink, monkeypatch):
    queue(outbox_settings, ["ann@example.org", "bob@example.org", "cat@example.org"])
    real_mark = claims.mark_sent

    def database_gone(writer, row_id, now):
        raise DatabaseError("database error: the server closed the connection")

    monkeypatch.setattr(claims, "mark_sent", database_gone)
    with pytest.raises(DatabaseError):
        sender.send_due(outbox_settings)

    # Ann was accepted but could not be recorded; Bob's body went out without its final ".",
    # so the server dropped it: one message accepted and not marked, as before.
    assert smtp_sink.recipients() == ["ann@example.org"]
    assert sent_rows(outbox_settings) == 0

    monkeypatch.setattr(claims, "mark_sent", real_mark)
    assert sender.send_due(outbox_settings).sent == 3
    assert smtp_sink.recipients() == ["ann@example.org", "ann@example.org", "bob@example.org", "cat@example.org"]


def test_lines_starting_with_a_dot_arrive_as_written(outbox_settings, smtp_sink):
    [row_id] = queue(outbox_settings, ["ann@example.org"])
    body = b"Subject: dots\r\nTo: ann@example.org\r\n\r\n.hidden line\r\n..two dots\r\n.\r\nlast\r\n"
    with transaction(outbox_settings.database.url) as session:
        session.get(Outgoing, row_id).raw = body

    sender.send_due(outbox_settings)

    received = email.message_from_bytes(smtp_sink.messages[0].data)
    assert received.get_payload() == ".hidden line\r\n..two dots\r\n.\r\nlast\r\n"
