"""The database: there, reachable, and migrated to the revision this code expects."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from pipeline.config import Settings
from pipeline.doctor.checks import Check, failed, from_error, passed
from pipeline.errors import MlnError
from pipeline.store import db

NAME = "database"


def check_database(settings: Settings) -> Check:
    url = settings.database.url
    shown = db.redact_url(url)
    missing = _missing_sqlite_file(url)
    if missing is not None:
        # Opening it would create an empty file; say so instead.
        return failed(NAME, f"{missing} does not exist", "run `mln db upgrade` (or `mln init`) to create it")
    try:
        current = db.current_revision(url)
        head = _head_revision(url)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return failed(
            NAME, f"cannot open {shown}: {reason}", "check database.url and that the database server is running"
        )
    except MlnError as exc:
        return from_error(NAME, exc)
    if current is None:
        return failed(NAME, f"{shown} has no tables yet (not migrated)", "run `mln db upgrade`")
    if current != head:
        return failed(NAME, f"{shown} is at revision {current}; this version expects {head}", "run `mln db upgrade`")
    return passed(NAME, f"{shown} reachable and migrated (revision {head})")


def _missing_sqlite_file(url: str) -> Path | None:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or ":memory:" in url:
        return None
    path = Path(url[len(prefix) :].split("?", 1)[0])
    return None if path.exists() else path


def _head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(db.alembic_config(url)).get_current_head()
