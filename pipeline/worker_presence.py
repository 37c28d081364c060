"""Which workers are running: the SQLite single-worker lock, and the heartbeats `mln status` reads.

On SQLite only one worker may run: it holds a lock file next to the database
for its whole life (`single_worker`), and the lock file names its pid. On
PostgreSQL several may run (intake and sender claim rows), so there is no lock;
each worker records a heartbeat row every turn instead, and `mln status` lists
the workers seen lately.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.errors import DatabaseError, WorkerAlreadyRunning
from pipeline.store.claims import pid_alive
from pipeline.store.reader import Reader

log = logging.getLogger(__name__)


# ---- the SQLite single-worker lock ----------------------------------------------------------


def lock_path(settings: Settings) -> Path | None:
    """The lock file for this database, or None where several workers may run (PostgreSQL)."""
    if settings.worker.lock_file:
        return Path(settings.base_dir, settings.worker.lock_file)
    url = settings.database.url
    if not url.startswith("sqlite:///") or ":memory:" in url:
        return None
    return Path(url[len("sqlite:///") :].split("?", 1)[0] + ".worker.lock")


@contextmanager
def single_worker(settings: Settings) -> Iterator[None]:
    """Hold the lock file for the life of the worker; refuse to start when another holds it."""
    path = lock_path(settings)
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            pid = _read_pid(path)
            raise WorkerAlreadyRunning(
                f"another mln worker{f' (pid {pid})' if pid else ''} is already running on this database "
                f"(lock {path}); on SQLite only one may run: stop it first, or use PostgreSQL to run several"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing releases the lock


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def running_worker(settings: Settings) -> int | None:
    """The pid of the worker holding the SQLite lock, if one is alive (for `mln status`)."""
    path = lock_path(settings)
    pid = _read_pid(path) if path is not None else None
    return pid if pid and pid_alive(pid) else None


# ---- heartbeats, for `mln status` ------------------------------------------------------------


def new_heartbeat_name() -> str:
    """A name no other worker has: "host:pid:nonce"."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def beat(settings: Settings, name: str, turns: int, stopped: bool = False) -> None:
    """Record that this worker is alive (or has stopped). A database outage only skips a beat."""
    # Imported here: `mln status` reads the lock (above) without SQLAlchemy and the models.
    from sqlalchemy import select

    from pipeline.store import db
    from pipeline.store.models import WorkerHeartbeat, utcnow

    try:
        with db.transaction(settings.database.url) as session:
            row = session.scalar(select(WorkerHeartbeat).where(WorkerHeartbeat.name == name))
            if row is None:
                row = WorkerHeartbeat(name=name, host=socket.gethostname(), pid=os.getpid())
                session.add(row)
            row.seen_at = utcnow()
            row.turns = turns
            if stopped:
                row.stopped_at = row.seen_at
    except DatabaseError as exc:
        log.debug("heartbeat skipped: %s", exc)


def live_workers(reader: Reader, settings: Settings, now: dt.datetime) -> list[dict[str, Any]]:
    """Workers not stopped and seen recently (oldest first): a worker beats at least every mailbox.poll_interval."""
    fresh = dt.timedelta(seconds=2 * settings.mailbox.poll_interval + 120)
    return reader.rows(
        "SELECT host, pid, started_at, seen_at, turns FROM worker_heartbeats "
        "WHERE stopped_at IS NULL AND seen_at >= :since ORDER BY started_at",
        {"since": now - fresh},
    )


__all__ = [
    "WorkerAlreadyRunning",
    "beat",
    "live_workers",
    "lock_path",
    "new_heartbeat_name",
    "running_worker",
    "single_worker",
]
