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

A search only reads, through the driver (pipeline/store/reader.py): `mln search`
imports no SQLAlchemy. Creating the structures is a write, through SQLAlchemy.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pipeline.config import Settings
from pipeline.errors import InvalidInput
from pipeline.store.reader import Reader, reading

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

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
    """Approved items matching every word of `query`, best first, each with a snippet (hits in [brackets]).

    Read through the driver (pipeline/store/reader.py). A database whose search structures
    are missing (migrated by alembic alone) gets them first, once: that write goes through
    `ensure_search_schema`, and the search reads afresh, to see them."""
    words = _WORD.findall(query or "")
    if not words:
        raise InvalidInput('give some words to search for, e.g. mln search "care home education"')
    url = settings.database.url
    with reading(url) as reader:
        if _present(reader):
            return _search(reader, words, limit)
    ensure_search_schema(url)
    with reading(url) as reader:
        return _search(reader, words, limit)


def _search(reader: Reader, words: list[str], limit: int) -> list[dict[str, Any]]:
    if reader.dialect == "sqlite":
        match = " ".join('"' + w.replace('"', "") + '"' for w in words)
        return reader.rows(_SQLITE_SEARCH, {"match": match, "limit": limit})
    return reader.rows(_POSTGRES_SEARCH, {"words": " ".join(words), "limit": limit})


_SQLITE_WEIGHTS = ", ".join(str(w) for w in WEIGHTS)
_SQLITE_SEARCH = f"""
    SELECT s.id, i.file_no, s.title, s.theme, s.locality, s.organisation, s.progress,
           -bm25({FTS}, {_SQLITE_WEIGHTS}) AS score,
           snippet({FTS}, -1, '[', ']', '…', 16) AS snippet
    FROM {FTS} JOIN submissions s ON s.id = {FTS}.rowid LEFT JOIN items i ON i.id = s.item_id
    WHERE {FTS} MATCH :match AND s.status = 'approved' AND {_LATEST}
    ORDER BY bm25({FTS}, {_SQLITE_WEIGHTS}), s.id LIMIT :limit"""

_PG_WEIGHTED = " || ".join(
    f"setweight(to_tsvector('english'::regconfig, s.{c}), '{w}')" for c, w in zip(COLUMNS, "ABCCCBB")
)
_PG_BODY = " || ' … ' || ".join(f"s.{c}" for c in COLUMNS[1:5])
_POSTGRES_SEARCH = f"""
    SELECT s.id, i.file_no, s.title, s.theme, s.locality, s.organisation, s.progress,
           ts_rank_cd({_PG_WEIGHTED}, q) AS score,
           ts_headline('english', s.title || ' … ' || {_PG_BODY}, q,
                       'StartSel=[, StopSel=], MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "') AS snippet
    FROM submissions s LEFT JOIN items i ON i.id = s.item_id, plainto_tsquery('english', :words) q
    WHERE {PG_DOCUMENT} @@ q AND s.status = 'approved' AND {_LATEST}
    ORDER BY score DESC, s.id LIMIT :limit"""


def ensure_search_schema(url: str) -> None:
    """Create the search table/triggers (SQLite) or index (PostgreSQL) if missing. Safe to call any time.

    A write, so through SQLAlchemy (`db.transaction`, the one place that commits): imported
    here, as only `mln init`, `mln db upgrade` and a first search on a bare database get here."""
    from sqlalchemy.exc import DBAPIError

    from pipeline.store import db

    with db.transaction(url, readonly=True) as session:
        if _present_in(session.connection()):
            return
    try:
        with db.transaction(url) as session:
            conn = session.connection()
            if not _present_in(conn):
                _create_sqlite(conn) if conn.dialect.name == "sqlite" else _create_postgres(conn)
    except DBAPIError:
        # Two first searches at once on PostgreSQL: the loser's CREATE INDEX collides on the name. Fine if it exists now.
        with db.transaction(url, readonly=True) as session:
            if not _present_in(session.connection()):
                raise


def _presence(dialect: str) -> tuple[str, dict[str, str]]:
    """The query that is true when the search structures exist, and its parameters."""
    if dialect == "sqlite":
        names = dict(zip("tadu", (FTS, *_TRIGGERS)))
        return "SELECT COUNT(*) = 4 FROM sqlite_master WHERE name IN (:t, :a, :d, :u)", names
    return "SELECT to_regclass(:name) IS NOT NULL", {"name": PG_INDEX}


def _present(reader: Reader) -> bool:
    return bool(reader.scalar(*_presence(reader.dialect)))


def _present_in(conn: Connection) -> bool:
    from sqlalchemy import text

    sql, params = _presence(conn.dialect.name)
    return bool(conn.execute(text(sql), params).scalar_one())


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
