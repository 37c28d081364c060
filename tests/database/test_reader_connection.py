"""A PostgreSQL read leaves its connection open for the next read in the same process (issue #23).

A new connection and its server process's first query were ~5 ms of a 15 ms search. Kept, the
connection must still behave like a new one: each read is its own read-only transaction with its
own snapshot, a connection the server dropped while idle is replaced without the read failing, and
a process that reads several databases holds one connection, not one per database.
"""

from __future__ import annotations

import psycopg
import pytest
from fixtures.database import migrated_database
from sqlalchemy import text

from pipeline.errors import DatabaseError
from pipeline.store import db, reader
from pipeline.store.reader import reading

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url(tmp_path):
    reader.close_idle()
    yield from migrated_database("postgresql", tmp_path)
    reader.close_idle()


def add_item(url: str, file_no: str) -> None:
    with db.get_engine(url).begin() as conn:
        conn.execute(
            text(
                "INSERT INTO items (file_no, theme_code, year, sequence, created_at) VALUES (:f, 'T', 2026, 1, now())"
            ),
            {"f": file_no},
        )


def server_pid(url: str) -> int:
    with reading(url) as read:
        return read.scalar("SELECT pg_backend_pid()")


def test_the_next_read_uses_the_same_connection_and_sees_what_was_written_since(postgres_url):
    with reading(postgres_url) as read:
        first_pid = read.scalar("SELECT pg_backend_pid()")
        assert read.scalar("SELECT count(*) FROM items") == 0
    add_item(postgres_url, "CC-2026-001")  # committed by another connection between the reads

    with reading(postgres_url) as read:
        assert read.scalar("SELECT pg_backend_pid()") == first_pid
        assert read.scalar("SELECT count(*) FROM items") == 1  # a new transaction, a new snapshot
        assert read.scalar("SHOW transaction_read_only") == "on"


def test_a_connection_the_server_dropped_while_idle_is_replaced(postgres_url):
    dropped = server_pid(postgres_url)
    with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (dropped,))

    assert server_pid(postgres_url) != dropped  # the read went ahead on a new connection


def test_a_failed_query_spoils_neither_this_read_nor_the_next(postgres_url):
    with pytest.raises(psycopg.errors.UndefinedColumn), reading(postgres_url) as read:
        read.scalar("SELECT no_such_column FROM items")
    with reading(postgres_url) as read:
        assert read.scalar("SELECT count(*) FROM items") == 0


def test_a_missing_database_is_still_reported_as_such(postgres_url):
    server_pid(postgres_url)  # a connection is kept for this URL, not for another
    elsewhere = postgres_url.replace("/test?", "/no_such_database?")
    with (
        pytest.raises(DatabaseError, match='cannot open .*database "no_such_database" does not exist'),
        reading(elsewhere) as read,
    ):
        read.scalar("SELECT 1")


def test_reading_two_databases_keeps_one_connection(postgres_url, tmp_path):
    other = migrated_database("postgresql", tmp_path / "other")
    other_url = next(other)
    try:
        with reading(postgres_url) as read:
            first = read._conn
        with reading(other_url) as read:
            second = read._conn
        assert first.closed and not second.closed  # the second took the first one's place
        assert server_pid(other_url) == second.info.backend_pid
    finally:
        reader.close_idle()
        next(other, None)
