"""Triggers the models cannot declare: each submission counts its own changes.

`submissions.change_count` goes up by one on every UPDATE of the row, whoever makes it
(the ORM, a Core statement, or SQL typed by hand), so the site build can tell that the
pages it made from a revision are still current by reading two integers, not the row
(issue #23). Created by `db.upgrade`, idempotently, after the migrations.
"""

from __future__ import annotations

from sqlalchemy import Connection

_SQLITE = """
CREATE TRIGGER IF NOT EXISTS submissions_change_count AFTER UPDATE ON submissions
FOR EACH ROW WHEN NEW.change_count = OLD.change_count
BEGIN
    UPDATE submissions SET change_count = OLD.change_count + 1 WHERE id = NEW.id;
END"""
# SQLite runs no trigger from within itself (recursive_triggers is off), and the FTS5 triggers
# fire only on the searched columns, so the inner UPDATE touches nothing else.

_POSTGRES = (
    """CREATE OR REPLACE FUNCTION submissions_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.change_count := OLD.change_count + 1;
        RETURN NEW;
    END $$""",
    "DROP TRIGGER IF EXISTS submissions_change_count ON submissions",
    "CREATE TRIGGER submissions_change_count BEFORE UPDATE ON submissions "
    "FOR EACH ROW EXECUTE FUNCTION submissions_count_change()",
)


def ensure_triggers(conn: Connection) -> None:
    """Create (or replace) the change-count trigger on `conn`'s database, inside the caller's transaction."""
    for statement in (_SQLITE,) if conn.dialect.name == "sqlite" else _POSTGRES:
        conn.exec_driver_sql(statement)
