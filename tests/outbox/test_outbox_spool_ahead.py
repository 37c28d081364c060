"""A send writes the outbox a little ahead of the sender, and keeps its claims alive.

`send_due` does not write every queued message to outbox/ before sending the
first: a thread writes them a window ahead of the sender (pipeline.outbound.spool_ahead.SpoolAhead).
Each message is still in its outbox file before it goes out. A long batch
renews its claims so that they never lapse while it is being sent.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading

from outbox.outbox_helpers import queue
from sqlalchemy import func, select

from pipeline.outbound import outbox, sender, spool_ahead
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing, utcnow


def test_every_message_is_in_its_outbox_file_before_it_goes_out(outbox_settings, smtp_sink, monkeypatch):
    monkeypatch.setattr(spool_ahead.SpoolAhead, "BATCH", 2)  # a window of 6 over 14 messages
    ids = queue(outbox_settings, [f"member{i}@example.org" for i in range(14)])
    row_of = {f"member{i}@example.org": row_id for i, row_id in enumerate(ids)}
    files_when_accepted = []
    accept = smtp_sink.handler.handle_DATA

    async def look_in_the_outbox(server, session, envelope):
        [rcpt] = envelope.rcpt_tos
        path = outbox.spool_path(outbox_settings, outbox.spool_name_for(row_of[rcpt]))
        assert path.read_bytes().replace(b"\r\n", b"\n") == envelope.content.replace(b"\r\n", b"\n")
        files_when_accepted.append(len(list(outbox_settings.outbox_path.glob("*.eml"))))
        return await accept(server, session, envelope)

    smtp_sink.handle_DATA = look_in_the_outbox
    report = sender.send_due(outbox_settings)

    assert report.sent == 14 and report.spool_error == ""
    assert len(files_when_accepted) == 14
    # Written as the send went: at most the window (6), a batch begun just under it (2), and the
    # message just sent, whose file is removed after its record.
    assert max(files_when_accepted) <= 6 + 2 + 1
    assert list(outbox_settings.outbox_path.glob("*.eml")) == []  # each removed once sent


def test_a_send_stopped_by_its_limit_leaves_the_rest_queued_and_writes_them_next_time(
    outbox_settings, smtp_sink, monkeypatch
):
    monkeypatch.setattr(spool_ahead.SpoolAhead, "BATCH", 2)
    queue(outbox_settings, [f"member{i}@example.org" for i in range(12)])

    assert sender.send_due(outbox_settings, limit=3).sent == 3
    assert sender.send_due(outbox_settings).sent == 9

    assert sorted(smtp_sink.recipients()) == sorted(f"member{i}@example.org" for i in range(12))


def test_claims_are_renewed_before_they_could_lapse(outbox_settings, smtp_sink):
    """A clock that jumps two minutes at every look: a 100-row claim of five minutes would lapse
    after a few messages if the sender did not renew it."""
    queue(outbox_settings, [f"member{i}@example.org" for i in range(10)])
    start, steps, lock = utcnow(), itertools.count(), threading.Lock()
    clock = {"now": start}

    def now() -> dt.datetime:
        with lock:
            clock["now"] = start + next(steps) * dt.timedelta(minutes=2)
            return clock["now"]

    lapsed_when_accepted = []
    accept = smtp_sink.handler.handle_DATA

    async def count_lapsed_claims(server, session, envelope):
        with transaction(outbox_settings.database.url, readonly=True) as db:
            lapsed_when_accepted.append(
                db.scalar(
                    select(func.count())
                    .select_from(Outgoing)
                    .where(Outgoing.status == "queued", Outgoing.claimed_until <= clock["now"])
                )
            )
        return await accept(server, session, envelope)

    smtp_sink.handle_DATA = count_lapsed_claims
    report = sender.send_due(outbox_settings, now=now)

    assert report.sent == 10
    assert lapsed_when_accepted == [0] * 10
