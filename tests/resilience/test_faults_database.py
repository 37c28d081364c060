"""Database faults: SQLite locked by another writer, and PostgreSQL lost mid-pass (a cutting
proxy in front of the real server at 127.0.0.1:5432: every connection dropped, new ones
refused, then the server back).

A lost database stops the pass with exit 3 (DatabaseError) and one clear line; what was
committed stays, what was not is still in the inbox or still queued; the next run
finishes with each message recorded once and each row sent once.
"""

from __future__ import annotations

import collections
import sqlite3
import threading

import pytest
from fixtures.database import PG_SERVER, _require_postgres, drop_postgres_schema, new_postgres_schema_url
from fixtures.samples import numbered_message
from outbox.outbox_helpers import queue
from resilience.harness import IMAP_PASSWORD_ENV, World, assert_each_message_once, assert_nothing_filed_unrecorded
from resilience.proxy import CuttingProxy

from pipeline.errors import DatabaseError
from pipeline.intake import handling
from pipeline.outbound import claims, sender
from pipeline.passes import poll_once
from pipeline.store import db

N = 10


def _expected(start: int, n: int) -> set[str]:
    return {f"<note-{i}@example.nhs.test>" for i in range(start, start + n)}


def test_sqlite_locked_by_another_writer_waits_then_records_each_once(sqlite_url, tmp_path, imap_account, tally):
    world = World(
        tmp_path, sqlite_url, mailbox_url=imap_account.url, environ={IMAP_PASSWORD_ENV: imap_account.password}
    )
    imap_account.append_many([numbered_message(n) for n in range(N)])
    blocker = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # e.g. a backup or a person's sqlite3 shell
    result: dict = {}
    poller = threading.Thread(target=lambda: result.setdefault("summary", poll_once(world.settings)))
    poller.start()
    poller.join(1.0)

    assert poller.is_alive(), "the poll should wait for the lock (busy_timeout), not fail"
    blocker.execute("ROLLBACK")
    blocker.close()
    poller.join(60)

    assert result["summary"].fetched == N
    assert_each_message_once(world, imap_account, _expected(0, N))
    tally.add(faults=1, inputs=N)


# ---- PostgreSQL lost ----------------------------------------------------------------------


@pytest.fixture
def pg_proxy():
    """A migrated PostgreSQL schema reached through a cutting proxy: (url via the proxy, proxy)."""
    _require_postgres()
    url, schema = new_postgres_schema_url()
    db.upgrade(url)
    port = int(PG_SERVER.rsplit(":", 1)[1].split("/")[0])
    proxy = CuttingProxy(port)
    proxied = url.replace(f"127.0.0.1:{port}", f"127.0.0.1:{proxy.port}")
    yield proxied, proxy
    proxy.close()
    db.get_engine(proxied).dispose()
    drop_postgres_schema(url, schema)


def _lose_database(proxy: CuttingProxy) -> None:
    proxy.down = True
    proxy.cut_all()


@pytest.mark.postgres
@pytest.mark.parametrize("when", ["between-messages", "inside-a-handler"])
def test_postgres_lost_mid_poll_then_back(pg_proxy, tmp_path, imap_account, monkeypatch, when, tally):
    url, proxy = pg_proxy
    world = World(tmp_path, url, mailbox_url=imap_account.url, environ={IMAP_PASSWORD_ENV: imap_account.password})
    imap_account.append_many([numbered_message(n) for n in range(N)])
    calls = collections.Counter()

    def on_new(_total):
        def advance(_n):
            calls["advance"] += 1
            if when == "between-messages" and calls["advance"] == 3:
                _lose_database(proxy)

        return advance

    real_get_handler = handling.get_handler

    def get_handler(name):
        handler = real_get_handler(name)
        calls["handler"] += 1
        if when == "inside-a-handler" and calls["handler"] == 3:
            _lose_database(proxy)  # the message's transaction is open; its commit cannot happen
        return handler

    monkeypatch.setattr(handling, "get_handler", get_handler)
    with pytest.raises(DatabaseError, match="database"):
        poll_once(world.settings, on_new=on_new)

    proxy.down = False
    assert assert_nothing_filed_unrecorded(world, imap_account) == N
    assert len(world.recorded()) < N  # the pass did stop

    poll_once(world.settings)  # the same process's next pass (the worker's)

    assert_each_message_once(world, imap_account, _expected(0, N))
    tally.add(faults=proxy.cuts or 1, inputs=N)


@pytest.mark.postgres
def test_postgres_lost_between_accepted_and_marked_sent(pg_proxy, tmp_path, smtp_sink, monkeypatch, tally):
    """The worst moment: the server took the message, the database cannot record it."""
    url, proxy = pg_proxy
    world = World(tmp_path, url, smtp_url=smtp_sink.url())
    recipients = [f"member{i}@example.org" for i in range(8)]
    queue(world.settings, recipients)
    real_mark_sent = claims.mark_sent
    marks = collections.Counter()

    def mark_sent(*args, **kwargs):
        marks["n"] += 1
        if marks["n"] == 3:
            _lose_database(proxy)
        return real_mark_sent(*args, **kwargs)

    monkeypatch.setattr(claims, "mark_sent", mark_sent)
    with pytest.raises(DatabaseError):
        sender.send_due(world.settings)
    proxy.down = False
    monkeypatch.setattr(claims, "mark_sent", real_mark_sent)

    report = sender.send_due(world.settings)  # same process: releases the claims it could not release

    assert report.stopped == ""
    assert world.outgoing_status() == {"sent": len(recipients)}
    seen = collections.Counter(smtp_sink.recipients())
    assert set(seen) == set(recipients)
    assert sorted(seen.values()) == [1] * (len(recipients) - 1) + [2]  # only the one in flight, once more
    tally.add(faults=1, inputs=len(recipients), duplicates=1)


def test_database_unreachable_exits_3_and_leaves_the_mailbox_alone(tmp_path, imap_account, tally):
    from fixtures.smtp import free_port

    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2"
    world = World(tmp_path, url, mailbox_url=imap_account.url, environ={IMAP_PASSWORD_ENV: imap_account.password})
    imap_account.append_many([numbered_message(n) for n in range(3)])

    result = world.run("poll")

    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith("mln: ") and "Traceback" not in result.stderr
    assert len(imap_account.uids("INBOX")) == 3
    tally.add(faults=1, inputs=3)
