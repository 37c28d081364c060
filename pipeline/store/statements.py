"""Core statements run in the session's transaction: built once per kind of database, run without the ORM."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

_PREPARED: dict[tuple[str, str], Any] = {}


def prepared(session: Session, name: str, build: Callable[[Callable], Any]) -> Any:
    """A statement with bind parameters, built once per kind of database and reused.

    Building a SQLAlchemy statement costs about as much as running a small one;
    `build(insert)` gets the dialect's insert (for ON CONFLICT) and returns the statement.
    """
    dialect = session.get_bind().dialect.name
    statement = _PREPARED.get((name, dialect))
    if statement is None:
        statement = _PREPARED[(name, dialect)] = build((postgresql if dialect == "postgresql" else sqlite).insert)
    return statement


def execute_core(session: Session, statement, params: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    """Run a Core statement on the session's connection, in its transaction, without the ORM.

    For statements on rows the session does not hold as objects (counters, sequences,
    mailbox state): session.execute would autoflush pending objects and, for UPDATE,
    match the statement against every object in the session, several times the cost
    of the statement itself.
    """
    return session.connection().execute(statement, params)
