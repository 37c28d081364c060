"""StatementWriter: one held connection, each statement committed on its own (the sender's records)."""

from __future__ import annotations

import pytest
from fixtures.database import migrated_database
from sqlalchemy import select, text, update

from pipeline.errors import DatabaseError
from pipeline.store import db
from pipeline.store.models import MailboxState


def _state_row(url: str) -> None:
    with db.transaction(url) as session:
        session.add(MailboxState(mailbox="imap://x@h:1", folder="INBOX", uidvalidity=1, last_uid=0))


def _last_uid(url: str) -> int:
    with db.transaction(url, readonly=True) as session:
        return session.scalar(select(MailboxState.last_uid))


def test_each_statement_is_committed_before_execute_returns(db_url):
    _state_row(db_url)
    writer = db.StatementWriter(db_url)
    try:
        for uid in (1, 2, 3):
            writer.execute(update(MailboxState).values(last_uid=uid), {})
            assert _last_uid(db_url) == uid  # seen at once from another connection
    finally:
        writer.close()


@pytest.fixture
def postgres_url(tmp_path):
    yield from migrated_database("postgresql", tmp_path)


@pytest.mark.postgres
def test_a_connection_the_server_drops_is_reported_then_replaced(postgres_url):
    _state_row(postgres_url)
    writer = db.StatementWriter(postgres_url)
    try:
        writer.execute(update(MailboxState).values(last_uid=1), {})
        with pytest.raises(DatabaseError, match="check database.url"):
            writer.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"), {})  # the server ends this session
        writer.execute(update(MailboxState).values(last_uid=2), {})  # on a new connection
        assert _last_uid(postgres_url) == 2
    finally:
        writer.close()
