"""Read-only queries through the database driver itself: how the read commands reach the database.

`mln queue`, `show`, `search`, `messages`, `status` and `subscribers list` run dozens
of times a day. Importing SQLAlchemy and our mapped classes costs ~0.45 s here, ten
times their queries (issue #23), so these reads are written as SQL once, in the module
that owns each read, and run through sqlite3 or psycopg directly. Writes, and reads
inside a write, still go through `db.transaction` (the one place that commits); this
module cannot write: SQLite connections are `query_only` and PostgreSQL's transaction
is READ ONLY.

Placeholders are `:name`, as in SQLAlchemy's text(). Rows come back as dicts typed
as on PostgreSQL: aware UTC datetimes, dates, booleans and parsed JSON (on SQLite,
by the columns' declared types; an expression such as MAX(received_at) comes back as
stored, so pass it through `as_time`).
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import json
import os
import re
import threading
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import unquote

from pipeline.errors import ConfigError, DatabaseError

_PLACEHOLDER = re.compile(r"(?<![:\w]):(\w+)")
_PASSWORD = re.compile(r"(://[^:/@]*):[^@]*@")


class Reader:
    """One read-only connection and its dialect ("sqlite" or "postgresql")."""

    def __init__(self, connection: Any, dialect: str, url: str = "", kept: bool = False) -> None:
        self._conn = connection
        self.dialect = dialect
        self.url = url
        self._kept = kept  # a PostgreSQL connection an earlier read left open, not yet used by this one

    def rows(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        cursor = self._execute(sql, params or {})
        if not cursor.description:
            return []
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def tuples(self, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """As `rows`, each row a tuple in the SELECT's column order: for reads of very many rows."""
        cursor = self._execute(sql, params or {})
        return cursor.fetchall() if cursor.description else []  # both drivers' rows are tuples

    def one(self, sql: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def scalar(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        cursor = self._execute(sql, params or {})
        row = cursor.fetchone() if cursor.description else None  # SET and the like return no rows
        return row[0] if row else None

    def _execute(self, sql: str, params: dict[str, Any]) -> Any:
        if self.dialect == "sqlite":  # compare times with the text SQLAlchemy stored, in UTC
            params = {k: _stored(v) if isinstance(v, dt.datetime) else v for k, v in params.items()}
        try:
            cursor = self._conn.cursor()
            if self.dialect == "postgresql":
                cursor.execute(_PLACEHOLDER.sub(r"%(\1)s", sql.replace("%", "%%")), params)
            else:
                cursor.execute(sql, params)
        except Exception as exc:  # noqa: BLE001 - each driver has its own error classes; ours names the database
            if self._kept and _is_operational(exc):  # kept open since an earlier read, it died meanwhile
                with contextlib.suppress(Exception):
                    self._conn.close()
                self._conn, self._kept = _connect_postgresql(self.url), False
                return self._execute(sql, params)
            ours = _database_error(exc, self.url)
            if ours is None:
                raise
            raise ours from exc
        self._kept = False  # in use: a failure from here on is this read's, not the idle connection's
        return cursor


def _database_error(exc: Exception, url: str) -> DatabaseError | None:
    """Our error, with what to do, for a database without our tables or one that cannot be reached."""
    if _no_such_table(exc):
        return DatabaseError(f"database {redact(url)} has no tables yet ({exc}); run `mln init` or `mln db upgrade`")
    if _is_operational(exc):
        return DatabaseError(f"database error: {exc}; check database.url and that the database is running")
    return None


@contextlib.contextmanager
def reading(url: str) -> Iterator[Reader]:
    """A read-only connection to the database at `url`, its transaction ended afterwards.

    Not checked for our tables up front (a round trip on every read): a query on a database
    without them fails with the same advice, "run `mln init` or `mln db upgrade`"."""
    reader = _open(url)
    try:
        yield reader
    finally:
        _done(reader)


# PostgreSQL: the last read's connection, its transaction ended, kept for the next read in this
# process. A new connection costs ~2 ms and its server process's first query ~3 ms more (catalogue
# and text-search dictionary look-ups): a third of a search. One connection, for one URL and this
# process only, so a process reading many databases (the tests) holds no more than one open.
_idle: list[tuple[tuple[int, str], Any]] = []  # at most one: ((pid, url), connection)
_idle_lock = threading.Lock()


def _done(reader: Reader) -> None:
    """End the read: SQLite closes; PostgreSQL rolls back (a read-only transaction has nothing to
    lose) and keeps the connection if it is sound, else closes it."""
    conn = reader._conn
    try:
        if reader.dialect == "postgresql":
            conn.rollback()  # the next read starts a new transaction, and so sees a new snapshot
            if not conn.closed and conn.info.transaction_status == _idle_status():
                conn = _keep((os.getpid(), reader.url), conn)
    except Exception:  # noqa: BLE001 - a connection that fails to end cleanly is not kept
        pass
    if conn is not None:
        with contextlib.suppress(Exception):
            conn.close()


def _keep(key: tuple[int, str], conn: Any) -> Any:
    """Keep `conn` as the idle connection; the one it replaces is returned, to be closed."""
    with _idle_lock:
        replaced = _idle.pop()[1] if _idle else None
        _idle.append((key, conn))
    return replaced


def _take_idle(url: str) -> Any:
    """The kept connection, if it was kept by this process for `url`; else None (it stays kept)."""
    with _idle_lock:
        if _idle and _idle[0][0] == (os.getpid(), url):
            return _idle.pop()[1]
    return None


def close_idle() -> None:
    """Close the connection kept for the next read, if any (at exit, and for tests)."""
    with _idle_lock:
        kept = [conn for _, conn in _idle]
        _idle.clear()
    for conn in kept:
        with contextlib.suppress(Exception):
            conn.close()


atexit.register(close_idle)  # a clean goodbye to the server, not a dropped socket


def id_list(ids: Iterable[int | None]) -> str:
    """Ids as a SQL list for `IN (...)`, e.g. "3, 5, 8": integers only, so safe in the text; None left out."""
    return ", ".join(str(int(i)) for i in sorted({i for i in ids if i is not None}))


def _open(url: str) -> Reader:
    if url.startswith("sqlite"):
        return Reader(_sqlite(url), "sqlite", url)
    if url.startswith("postgresql"):
        kept = _take_idle(url)
        if kept is not None and not kept.closed:
            return Reader(kept, "postgresql", url, kept=True)
        return Reader(_connect_postgresql(url), "postgresql", url)
    raise ConfigError(f"database.url {url!r}: only sqlite:/// and postgresql+psycopg:// URLs are supported")


def _sqlite(url: str) -> Any:
    import sqlite3

    path = unquote(url.split("://", 1)[1][1:].split("?", 1)[0])
    if path in ("", ":memory:"):
        raise DatabaseError("database.url is an in-memory SQLite database: it has no tables to read")
    try:
        # mode=rw: a missing file is an error here, not a new empty database.
        conn = sqlite3.connect(
            f"file:{path}?mode=rw", uri=True, timeout=30, isolation_level=None, detect_types=sqlite3.PARSE_DECLTYPES
        )
    except sqlite3.OperationalError as exc:
        raise DatabaseError(
            f"cannot open {redact(url)}: {exc}; run `mln init` to create it, or check database.url"
        ) from exc
    conn.execute("PRAGMA query_only = ON")
    conn.execute("BEGIN")  # one snapshot for every query of this read
    return conn


def _connect_postgresql(url: str) -> Any:
    import psycopg

    try:
        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise DatabaseError(f"cannot open {redact(url)}: {exc}".strip()) from exc
    # BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY before the first query: every query of
    # this read sees one snapshot, and no write can slip in.
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    return conn


def _idle_status() -> Any:
    import psycopg

    return psycopg.pq.TransactionStatus.IDLE


def _is_operational(exc: Exception) -> bool:
    """The driver's OperationalError, or one of its kinds (psycopg's AdminShutdown when the server ends a connection)."""
    return any(kind.__name__ == "OperationalError" for kind in type(exc).__mro__)


def _no_such_table(exc: Exception) -> bool:
    """SQLite's "no such table: x", PostgreSQL's undefined_table (42P01)."""
    return getattr(exc, "sqlstate", None) == "42P01" or str(exc).startswith("no such table")


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    return _PASSWORD.sub(r"\1:***@", url)


def as_time(value: Any) -> dt.datetime | None:
    """A stored time as an aware UTC datetime (SQLite keeps '2026-12-06 10:16:24.123456', in UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, bytes):
        value = value.decode()
    when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _stored(when: dt.datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("naive datetime given as a query parameter")
    return when.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _register_sqlite_types() -> None:
    """Read SQLite's stored text back as the types SQLAlchemy wrote, by each column's declared type."""
    import sqlite3

    sqlite3.register_converter("DATETIME", as_time)
    sqlite3.register_converter("DATE", lambda b: dt.date.fromisoformat(b.decode()))
    sqlite3.register_converter("BOOLEAN", lambda b: b not in (b"0", b""))
    sqlite3.register_converter("JSON", json.loads)


_register_sqlite_types()
