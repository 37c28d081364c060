"""The migrations build exactly what the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from pipeline.store import db
from pipeline.store.columns import SUBMISSION_COLUMNS
from pipeline.store.models import Base, Submission


def test_migrated_schema_matches_the_models(db_url):
    with db.get_engine(db_url).connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == [], "models and migrations differ: run scripts/regen_migration.py"


def test_upgrade_twice_is_harmless(db_url):
    db.upgrade(db_url)
    assert db.current_revision(db_url) is not None


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url):
    with db.get_engine(sqlite_url).connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_failed_transaction_leaves_nothing_behind(db_url):
    from pipeline.store.models import MailboxState

    try:
        with db.transaction(db_url) as session:
            session.add(MailboxState(mailbox="imap://x@h:1", folder="INBOX", uidvalidity=1, last_uid=5))
            session.flush()
            raise RuntimeError("crash in the middle")
    except RuntimeError:
        pass
    with db.transaction(db_url, readonly=True) as session:
        assert session.execute(text("select count(*) from mailbox_state")).scalar() == 0


def test_the_readers_column_list_is_the_models():
    """store/columns.py names the submissions columns for the read commands, which cannot import the models."""
    assert SUBMISSION_COLUMNS == tuple(c.name for c in Submission.__table__.columns)
