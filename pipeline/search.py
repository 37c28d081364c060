"""Full-text search over approved items: SQLite FTS5 on SQLite, PostgreSQL text search on PostgreSQL.

The search structures are not in the models (FTS5 tables and expression
indexes are beyond SQLAlchemy's autogenerate), so `ensure_search_schema`
creates them on first use, idempotently:
- SQLite: an external-content FTS5 table over `submissions`, kept in step by
  triggers, rebuilt once when created;
- PostgreSQL: a stored, generated tsvector column of the same columns, weighted
  (title A; summary, locality, organisation B; the rest C), and a GIN index on it,
  partial on status = 'approved', which the search query's WHERE matches. The
  reader's queries name their columns (store/columns.py), so it is never printed.
Both stem English words (FTS5's porter tokenizer; the 'english' configuration),
both leave out the words too common to search for (STOP_WORDS, PostgreSQL's
list), and both AND the remaining words of the query, as plainto_tsquery does.

A search only reads, through the driver (pipeline/store/reader.py): `mln search`
imports no SQLAlchemy. Creating the structures is a write, through SQLAlchemy.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pipeline.config import Settings
from pipeline.errors import InvalidInput
from pipeline.store.reader import Reader, id_list, reading

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

COLUMNS = ("title", "summary", "actions", "outcomes", "learning", "locality", "organisation")
# Relative weight of a hit in each column (title counts most), for SQLite's bm25().
WEIGHTS = (10.0, 4.0, 2.0, 2.0, 2.0, 3.0, 3.0)
FTS = "submission_search"
PG_INDEX = "ix_submissions_search_document"
PG_DOCUMENT = "search_document"  # a stored, generated tsvector column, weighted as WEIGHTS (A-D)
_PG_WEIGHTED = " || ".join(
    f"setweight(to_tsvector('english'::regconfig, {c}), '{w}')" for c, w in zip(COLUMNS, "ABCCCBB")
)
_PG_OLD_INDEX = "ix_submissions_search"  # before the stored document: a GIN index on an expression
_TRIGGERS = ("submission_search_ai", "submission_search_ad", "submission_search_au")
_WORD = re.compile(r"\w+", re.UNICODE)
# The words PostgreSQL's 'english' configuration leaves out (the Snowball list, its tsearch_data/
# english.stop). FTS5 keeps every word, so "falls on the wards" would need a "the" on SQLite only;
# both leave these out of the query instead, and a plan is found alike on either database.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which who whom this that these those am is are
    was were be been being have has had having do does did doing a an the and but if or because as until while
    of at by for with about against between into through during before after above below to from up down in out
    on off over under again further then once here there when where why how all any both each few more most
    other some such no nor not only own same so than too very s t can will just don should now""".split()
)
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
    words = [word for word in words if word.lower() not in STOP_WORDS]
    if not words:
        raise InvalidInput(
            f"{query.strip()!r} has only words too common to search for (the, of, in ...); "
            'add a word the plan would use, e.g. mln search "falls on the wards"'
        )
    url = settings.database.url
    with reading(url) as reader:
        if _present(reader):
            return _search(reader, words, limit)
        reader.scalar("SELECT 1 FROM submissions LIMIT 1")  # no tables at all: say so, rather than build on nothing
    ensure_search_schema(url)
    with reading(url) as reader:
        return _search(reader, words, limit)


def _search(reader: Reader, words: list[str], limit: int) -> list[dict[str, Any]]:
    if reader.dialect == "sqlite":
        batch_sql, shown_sql = _SQLITE_BATCH, _SQLITE_SHOWN
        params = {"match": " ".join('"' + w.replace('"', "") + '"' for w in words)}
    else:
        batch_sql, shown_sql = _POSTGRES_BATCH, _POSTGRES_SHOWN
        params = {"words": " ".join(words)}
    ranked = _ranked(reader, batch_sql, params, limit)
    if not ranked:
        return []
    shown = {row["id"]: row for row in reader.rows(shown_sql.format(ids=id_list(ranked)), params)}
    return [{**shown[i], "score": score} for i, score in ranked.items()]


def _ranked(reader: Reader, batch_sql: str, params: dict[str, Any], limit: int) -> dict[int, float]:
    """The best `limit` ids and their scores, read in rank order a batch at a time.

    Ranking every match is quick; checking each one against the other revisions of its plan
    (is it the latest approved?) is not, at 100,000 plans (10 of PostgreSQL's 20 ms). So
    ranked matches are checked a batch at a time, from the best, until `limit` pass; the
    first batch is usually enough."""
    found: dict[int, float] = {}
    skip, batch = 0, max(4 * limit, 100)
    while len(found) < limit:
        rows = reader.rows(batch_sql, {**params, "batch": batch, "skip": skip})
        for row in rows:
            if row["latest"] and len(found) < limit:
                found[row["id"]] = float(row["score"])
        if len(rows) < batch:
            break
        skip, batch = skip + len(rows), batch * 2
    return found


_SQLITE_WEIGHTS = ", ".join(str(w) for w in WEIGHTS)
# One batch of matches, best first, each marked whether it is shown: approved, and the latest approved revision.
_SQLITE_BATCH = f"""
    SELECT s.id, hit.score, s.status = 'approved' AND {_LATEST} AS latest
    FROM (SELECT rowid AS id, -bm25({FTS}, {_SQLITE_WEIGHTS}) AS score FROM {FTS}
          WHERE {FTS} MATCH :match ORDER BY score DESC, rowid LIMIT :batch OFFSET :skip) hit
    JOIN submissions s ON s.id = hit.id
    ORDER BY hit.score DESC, s.id"""
# What is shown of the chosen few, with the snippet FTS5 makes from the match.
_SQLITE_SHOWN = f"""
    SELECT s.id, i.file_no, s.title, s.theme, s.locality, s.organisation, s.progress,
           snippet({FTS}, -1, '[', ']', '…', 16) AS snippet
    FROM {FTS} JOIN submissions s ON s.id = {FTS}.rowid LEFT JOIN items i ON i.id = s.item_id
    WHERE {FTS} MATCH :match AND {FTS}.rowid IN ({{ids}})"""

# Ranked on the stored, weighted document: ranking text parsed afresh for every match was
# 140 of 165 ms at 100,000 plans.
_POSTGRES_BATCH = f"""
    SELECT s.id, hit.score, {_LATEST} AS latest
    FROM (SELECT s.id, ts_rank_cd(s.{PG_DOCUMENT}, q) AS score
          FROM submissions s, plainto_tsquery('english', :words) q
          WHERE s.{PG_DOCUMENT} @@ q AND s.status = 'approved'
          ORDER BY score DESC, s.id LIMIT :batch OFFSET :skip) hit
    JOIN submissions s ON s.id = hit.id
    ORDER BY hit.score DESC, s.id"""
_PG_BODY = " || ' … ' || ".join(f"s.{c}" for c in COLUMNS[1:5])
_POSTGRES_SHOWN = f"""
    SELECT s.id, i.file_no, s.title, s.theme, s.locality, s.organisation, s.progress,
           ts_headline('english', s.title || ' … ' || {_PG_BODY}, q,
                       'StartSel=[, StopSel=], MaxWords=24, MinWords=8, MaxFragments=2, FragmentDelimiter=" … "') AS snippet
    FROM submissions s LEFT JOIN items i ON i.id = s.item_id, plainto_tsquery('english', :words) q
    WHERE s.id IN ({{ids}})"""


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
        f"ALTER TABLE submissions ADD COLUMN IF NOT EXISTS {PG_DOCUMENT} tsvector "
        f"GENERATED ALWAYS AS ({_PG_WEIGHTED}) STORED"
    )
    conn.exec_driver_sql(f"DROP INDEX IF EXISTS {_PG_OLD_INDEX}")
    conn.exec_driver_sql(
        f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON submissions USING gin ({PG_DOCUMENT}) WHERE status = 'approved'"
    )
