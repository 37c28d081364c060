"""Engines, the one place transactions are opened, and migrations."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Executable, create_engine, event, inspect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import ConfigError, DatabaseError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


@lru_cache(maxsize=16)
def get_engine(url: str) -> Engine:
    """One engine per URL for the life of the process."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    if url.startswith("postgresql"):
        return _postgresql_engine(url)
    raise ConfigError(f"database.url {url!r}: only sqlite:/// and postgresql+psycopg:// URLs are supported")


def _postgresql_engine(url: str) -> Engine:
    from sqlalchemy.engine import make_url

    if make_url(url).get_driver_name() != "psycopg":
        return create_engine(url, pool_pre_ping=True, future=True)
    import psycopg

    # psycopg turns %(name)s placeholders into $1, $2 ... and caches that only for short
    # queries; a poll group's many-row INSERTs (thousands of placeholders) were parsed
    # afresh every time, 1.2 s of CPU per 2,000 messages. SQLAlchemy writes $n itself
    # here, and psycopg's raw cursors send the query as it is.
    engine = create_engine(
        url,
        pool_pre_ping=True,
        future=True,
        paramstyle="numeric_dollar",
        connect_args={"cursor_factory": psycopg.RawCursor},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.server_cursor_factory = psycopg.RawServerCursor  # streamed results (yield_per)

    return engine


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "isolation_level": None}, future=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    # pysqlite's own transaction handling breaks SAVEPOINT; we emit BEGIN ourselves.
    # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout
    # instead of one failing with "database is locked" when it upgrades.
    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@lru_cache(maxsize=32)
def _session_factory(url: str, readonly: bool) -> sessionmaker[Session]:
    # Made once per URL: the sender opens a transaction per message delivered.
    engine = get_engine(url)
    if readonly and engine.dialect.name == "sqlite":
        engine = engine.execution_options(sqlite_begin="DEFERRED")
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


@contextlib.contextmanager
def transaction(url: str, readonly: bool = False) -> Iterator[Session]:
    """Open a session in one transaction: commit on success, roll back on any exception.

    This is the only place that commits (with `execute_alone` and `StatementWriter`). Handlers and library functions receive
    the session and never call commit() themselves.
    """
    session = _session_factory(url, readonly)()
    try:
        with session.begin():
            yield session
    except OperationalError as exc:
        raise _database_error(exc) from exc
    finally:
        session.close()


def execute_alone(url: str, statement: Executable, params: dict[str, Any]) -> None:
    """Run one statement in a transaction of its own, without an ORM session.

    For a write that must be committed before what follows (the poll's group mark),
    without a session's set-up; same commit-or-roll-back as `transaction`.
    """
    try:
        with get_engine(url).begin() as conn:
            conn.execute(statement, params)
    except OperationalError as exc:
        raise _database_error(exc) from exc


def _database_error(exc: OperationalError) -> DatabaseError:
    return DatabaseError(f"database error: {exc.orig}; check database.url and that the database is running")


class StatementWriter:
    """One connection held for a run of one-statement writes, each committed on its own.

    For the sender's record of each delivery. Checking a pooled connection out and
    back in (a ping, then a reset) and BEGIN / COMMIT around the one UPDATE were most
    of a record's cost on PostgreSQL; there each statement now runs in autocommit,
    its own transaction in one round trip. On SQLite each is still BEGIN IMMEDIATE
    ... COMMIT (the write lock up front), on the one connection. Use it from one
    thread at a time; `close()` when the run ends.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Connection | None = None

    def execute(self, statement: Executable, params: dict[str, Any]) -> None:
        try:
            conn = self._connection()
            if conn.dialect.name == "postgresql":
                conn.execute(statement, params)
            else:
                with conn.begin():
                    conn.execute(statement, params)
        except OperationalError as exc:
            self.close()  # a connection the server dropped is not used again; the next call opens another
            raise _database_error(exc) from exc

    def _connection(self) -> Connection:
        if self._conn is None:
            conn = get_engine(self.url).connect()
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            self._conn = conn
        return self._conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection must not hide why it broke
                conn.close()


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["engine"] = get_engine(url)
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema up to date (alembic upgrade), then the triggers the models cannot declare."""
    from alembic import command

    from pipeline.store.triggers import ensure_triggers

    try:
        command.upgrade(alembic_config(url), revision)
        with get_engine(url).begin() as conn:
            ensure_triggers(conn)
    except OperationalError as exc:
        raise DatabaseError(f"cannot migrate {redact_url(url)}: {exc.orig}") from exc


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_schema(url: str) -> None:
    """Fail with a next step when the database has not been initialised."""
    try:
        has = inspect(get_engine(url)).has_table("messages")
    except OperationalError as exc:
        raise DatabaseError(f"cannot open {redact_url(url)}: {exc.orig}") from exc
    if not has:
        raise DatabaseError(f"database {redact_url(url)} has no tables yet; run `mln init` or `mln db upgrade`")


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a malformed URL is shown as given, minus nothing secret
        return url.split("@")[-1]
