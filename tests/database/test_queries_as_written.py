"""Queries reach PostgreSQL as SQLAlchemy wrote them ($1, $2 ... through psycopg's raw cursors).

psycopg would otherwise rewrite %(name)s placeholders itself, and caches that
only for short queries: a poll group's many-row INSERTs were parsed afresh every
time (pipeline/store/db.py). These are the kinds of statement the change could break,
each checked on a real server.
"""

from __future__ import annotations

import pytest
from fixtures.database import migrated_database
from sqlalchemy import insert, select, text

from pipeline.store import db
from pipeline.store.models import MailboxState, Member

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url(tmp_path):
    yield from migrated_database("postgresql", tmp_path)


def test_the_engine_writes_postgresql_placeholders(postgres_url):
    statement = select(Member.id).where(Member.email == "a@example.org")
    compiled = statement.compile(dialect=db.get_engine(postgres_url).dialect)
    assert "$1" in str(compiled) and "%(" not in str(compiled)


def test_a_percent_sign_beside_a_parameter_is_sent_as_it_is(postgres_url):
    with db.transaction(postgres_url) as session:
        row = session.execute(text("SELECT :name || ' is 100% done', 'a%%b'"), {"name": "Ward 7"}).one()
    assert tuple(row) == ("Ward 7 is 100% done", "a%%b")


def test_a_many_row_insert_returns_each_rows_id_in_order(postgres_url):
    emails = [f"leader{n}@example.nhs.test" for n in range(300)]  # more rows than one page of a flush
    with db.transaction(postgres_url) as session:
        ids = session.scalars(
            insert(Member).returning(Member.id, sort_by_parameter_order=True),
            [{"email": e, "name": f"Leader {n}"} for n, e in enumerate(emails)],
        ).all()
        by_id = dict(session.execute(select(Member.id, Member.email)).all())
    assert [by_id[i] for i in ids] == emails


def test_a_streamed_query_with_parameters_reads_every_row(postgres_url):
    with db.transaction(postgres_url) as session:
        session.add_all(
            MailboxState(mailbox="imap://x@h:1", folder=f"Folder {n}", uidvalidity=1, last_uid=n) for n in range(120)
        )
    with db.transaction(postgres_url, readonly=True) as session:
        query = select(MailboxState.last_uid).where(MailboxState.last_uid >= 20).execution_options(yield_per=25)
        assert sorted(session.scalars(query)) == list(range(20, 120))  # a server-side cursor, in pages of 25
