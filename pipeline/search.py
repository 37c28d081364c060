"""Full-text search over approved items: SQLite FTS5 on SQLite, PostgreSQL text search on PostgreSQL.

The search structures are not in the models (FTS5 tables and expression
indexes are beyond SQLAlchemy's autogenerate), so `ensure_search_schema`
creates them on first use, idempotently:
- SQLite: an external-content FTS5 table over `submissions`, kept in step by
  triggers, rebuilt once when created;
- PostgreSQL: a GIN index on to_tsvector('english', ...) of the same columns,
  partial on status = 'approved', which the search query's WHERE matches.
Both stem English words (FTS5's porter tokenizer; the 'english' configuration),
and both AND the words of the query, as plainto_tsquery does.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from pipeline.config import Settings
from pipeline.errors import InvalidInput
from pipeline.store import db

COLUMNS = ("title", "summary", "actions", "outcomes", "learning", "locality", "organisation")
# Relative weight of a hit in each column (title counts most), for SQLite's bm25().
WEIGHTS = (10.0, 4.0, 2.0, 2.0, 2.0, 3.0, 3.0)
FTS = "submission_search"
PG_INDEX = "ix_submissions_search"
PG_DOCUMENT = "to_tsvector('english'::regconfig, " + " || ' ' || ".join(COLUMNS) + ")"
_TRIGGERS = ("submission_search_ai", "submission_search_ad", "submission_search_au")
_WORD = re.compile(r"\w+", re.UNICODE)
# Only the latest approved revision of an item is shown.
_LATEST = (
    "NOT EXISTS (SELECT 1 FROM submissions later WHERE later.item_id = s.item_id AND later.status = 'approved' "
    "AND later.revision > s.revision)"
)


def search(settings: Settings, query: str, limit: int = 20) -> list[dict[str, Any]]:
    """Approved items matching every word of `query`, best first, each with a snippet (hits in [brackets])."""
    words = _WORD.findall(query or "")
    if not words:
        raise InvalidInput('give some words to search for, e.g. mln search "care home education"')
    url = settings.database.url
    db.require_schema(url)
    ensure_search_schema(url)
    with db.transaction(url, readonly=True) as session:
        conn = session.connection()
        rows = _sqlite(conn, words, limit) if conn.dialect.name == "sqlite" else _postgres(conn, " ".join(words), limit)
        return [dict(row._mapping) for row in rows]


def _sqlite(conn: Connection, words: list[str], limit: int):  # type: ignore[no-untyped-def]
    match = " ".join('"' + w.replace('"', "") + '"' for w in words)
    weights = ", ".join(str(w) for w in WEIGHTS)
    sql = f"""
        SELECT s.id, i.file_no, s.title, s.theme, s.locality, s.organisation, s.progress,
               -bm25({FTS}, {weights}) AS score,
               snippet({FTS}, -1, '[', ']', '…', 16) AS snippet
        FROM {FTS} JOIN submissions s ON s.id = {FTS}.rowid LEFT JOIN items i ON i.id = s.item_id
        WHERE {FTS} MATCH :match AND s.status = 'approved' AND {_LATEST}
        ORDER BY bm25({FTS}, {weights}), s.id LIMIT :limit"""
    return conn.execute(text(sql), {"match": match, "limit": limit})


def _postgres(conn: Connection, words: str, limit: int):  # type: ignore[no-untyped-def]
    weighted = " || ".join(
        f"setweight(to_tsvector('english'::regconfig, s.{c}), '{w}')" for c, w in zip(COLUMNS, "ABCCCBB")
    )
    body = " || ' … ' || ".join(f"s.{c}" for c in COLUMNS[1:5])
    sql = f"""
        SELECT s.id, i.file_no, s.title, s.theme, s.locality, s.organisation, s.progress,
               ts_rank_cd({weighted}, q) AS score,
               ts_headline('english', s.title || ' … ' || {body}, q,
                           'StartSel=[, StopSel=], MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "') AS snippet
        FROM submissions s LEFT JOIN items i ON i.id = s.item_id, plainto_tsquery('english', :words) q
        WHERE {PG_DOCUMENT} @@ q AND s.status = 'approved' AND {_LATEST}
        ORDER BY score DESC, s.id LIMIT :limit"""
    return conn.execute(text(sql), {"words": words, "limit": limit})


def ensure_search_schema(url: str) -> None:
    """Create the search table/triggers (SQLite) or index (PostgreSQL) if missing. Safe to call any time."""
    engine = db.get_engine(url)
    with db.transaction(url, readonly=True) as session:
        present = _present(session.connection())
    if present:
        return
    try:
        with db.transaction(url) as session:
            conn = session.connection()
            if not _present(conn):
                _create_sqlite(conn) if engine.dialect.name == "sqlite" else _create_postgres(conn)
    except DBAPIError:
        # Two first searches at once on PostgreSQL: the loser's CREATE INDEX collides on the name. Fine if it exists now.
        with db.transaction(url, readonly=True) as session:
            if not _present(session.connection()):
                raise


def _present(conn: Connection) -> bool:
    if conn.dialect.name == "sqlite":
        names = set(
            conn.execute(
                text("SELECT name FROM sqlite_master WHERE name IN (:t, :a, :d, :u)"),
                dict(zip("tadu", (FTS, *_TRIGGERS))),
            ).scalars()
        )
        return len(names) == 4
    return conn.execute(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": PG_INDEX}).scalar_one()


def _create_sqlite(conn: Connection) -> None:
    cols = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    statements = [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5({cols}, content='submissions', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER IF NOT EXISTS {_TRIGGERS[0]} AFTER INSERT ON submissions BEGIN "
        f"INSERT INTO {FTS}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER IF NOT EXISTS {_TRIGGERS[1]} AFTER DELETE ON submissions BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER IF NOT EXISTS {_TRIGGERS[2]} AFTER UPDATE OF {cols} ON submissions BEGIN "
        f"INSERT INTO {FTS}({FTS}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {FTS}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",  # index what was there before the triggers
    ]
    for statement in statements:
        conn.exec_driver_sql(statement)


def _create_postgres(conn: Connection) -> None:
    conn.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON submissions USING gin (({PG_DOCUMENT})) WHERE status = 'approved'"
    )
