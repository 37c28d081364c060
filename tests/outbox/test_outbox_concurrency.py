"""Two senders at once never send the same row; a live sender's claims are respected."""

from __future__ import annotations

import collections
import datetime as dt
import threading

from outbox.outbox_helpers import queue
from sqlalchemy import select

from pipeline.outbound import claims, outbox, sender
from pipeline.store.claims import new_claim_token
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing, utcnow


def test_two_senders_share_the_work_without_overlap(outbox_settings, smtp_sink):
    recipients = [f"member{i:03d}@example.org" for i in range(200)]
    queue(outbox_settings, recipients)
    outbox.spool_pending(outbox_settings)
    reports = []
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        reports.append(sender.send_due(outbox_settings))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert sum(r.sent for r in reports) == 200
    assert collections.Counter(smtp_sink.recipients()) == collections.Counter(recipients)  # each exactly once
    with transaction(outbox_settings.database.url, readonly=True) as session:
        assert set(session.scalars(select(Outgoing.status))) == {"sent"}


def test_a_live_senders_claim_is_not_taken(outbox_settings, smtp_sink):
    queue(outbox_settings, ["ann@example.org", "bob@example.org"])
    outbox.spool_pending(outbox_settings)
    url = outbox_settings.database.url
    live_owner = new_claim_token()  # this process: alive
    claimed = claims.claim_batch(url, live_owner, 1, utcnow(), dt.timedelta(minutes=10))

    assert sender.send_due(outbox_settings).sent == 1
    with transaction(url, readonly=True) as session:
        row = session.get(Outgoing, claimed[0].id)
        assert (row.status, row.claimed_by) == ("queued", live_owner)

    # Once its lease has run out, anyone may send it.
    assert sender.send_due(outbox_settings, now=lambda: utcnow() + dt.timedelta(minutes=11)).sent == 1
    assert sorted(smtp_sink.recipients()) == ["ann@example.org", "bob@example.org"]


def test_a_dead_senders_claim_lapses_at_once(outbox_settings, smtp_sink):
    import socket

    queue(outbox_settings, ["ann@example.org"])
    outbox.spool_pending(outbox_settings)
    dead_owner = f"{socket.gethostname()}:{2**22 + 4242}:deadbeef"
    claims.claim_batch(outbox_settings.database.url, dead_owner, 5, utcnow(), dt.timedelta(hours=1))
    assert sender.send_due(outbox_settings).sent == 1


def test_claims_left_by_a_database_outage_are_released_by_the_next_run(outbox_settings, smtp_sink, monkeypatch):
    from pipeline.errors import DatabaseError

    queue(outbox_settings, ["ann@example.org", "bob@example.org"])
    real_release = claims.release_claims

    def outage(url, owner):  # a fault seam: the database drops just as the run ends
        raise DatabaseError("database error: connection lost")

    # The run stops early (the server refuses us) with both rows claimed, and the database goes.
    smtp_sink.fail_mail = "553 5.7.1 not now"
    monkeypatch.setattr(claims, "release_claims", outage)
    assert sender.send_due(outbox_settings).stopped
    with transaction(outbox_settings.database.url, readonly=True) as session:
        assert all(session.scalars(select(Outgoing.claimed_by)))

    smtp_sink.fail_mail = ""
    monkeypatch.setattr(claims, "release_claims", real_release)
    assert sender.send_due(outbox_settings).sent == 2  # not stuck behind this living process's lease
    assert sorted(smtp_sink.recipients()) == ["ann@example.org", "bob@example.org"]
