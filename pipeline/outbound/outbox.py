"""The outbox: queued messages written to `outbox/` as .eml files, atomically, after commit.

A queued `Outgoing` row becomes a file named from its id (`0000000042.eml`):
written under a temporary name in the same folder, then renamed, and the name
recorded in `spool_name`. Files are not fsynced: the database keeps every
queued message (its raw bytes, or what a bulletin copy is filled from), and
the sender takes it from there when a power cut left a file missing or empty. Because the name depends only on the row,
a crash or a second run rewrites the same file instead of making another one.
The sender (pipeline/outbound/sender.py) sends what is spooled and removes the file once
the server has accepted it.

A bulletin copy is queued without its bytes. The caller hands in a `Filler` that
makes them (pipeline/mailing/copies.py); without one, copies stay queued, unspooled,
for a run that has one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, object_session

from pipeline.config import Settings
from pipeline.errors import SpoolError
from pipeline.store.claims import pid_alive
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing, utcnow

log = logging.getLogger(__name__)

SPOOL_BATCH = 200
_TMP_SUFFIX = ".tmp"


class Copy(Protocol):
    def bytes(self) -> bytes:
        """The copy's complete message, made when it is wanted: just before its file is written."""


class Filler(Protocol):
    """Makes the bytes of rows queued without them (bulletin copies)."""

    def prepare(self, session: Session, rows: Sequence[Any]) -> Mapping[int, Copy | None]:
        """Row id -> its copy, or None when there is nothing left to send (its subscriber was removed)."""


def spool_name_for(row_id: int) -> str:
    """The one file name a row can have in the outbox."""
    return f"{row_id:010d}.eml"


def spool_path(settings: Settings, name: str) -> Path:
    return settings.outbox_path / name


def write_spool_file(settings: Settings, row_id: int, data: bytes) -> str:
    """Write `data` as the outbox file of row `row_id`, atomically; return its name.

    No fsync: the row's bytes are in the database too (see the module's note), and an
    fsync per file cost more than the rest of spooling an acknowledgement.
    """
    folder = settings.outbox_path
    folder.mkdir(parents=True, exist_ok=True)
    name = spool_name_for(row_id)
    # The pid keeps two concurrent writers of the same row off each other's temp file.
    tmp = folder / f".{name}.{os.getpid()}{_TMP_SUFFIX}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        os.replace(tmp, folder / name)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return name


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def spool_pending(settings: Settings, filler: Filler | None = None) -> int:
    """Write every queued row that has bytes (raw, or made by `filler`) and no outbox file yet; return how many.

    Call after commit. Rows whose file cannot be written (disk full, permissions)
    stay queued with no `spool_name` and are tried again next time; in that case
    this raises `SpoolError` (after recording every file that was written), so the
    caller sees the problem. Nothing is ever lost.
    """
    return sum(spool_batches(settings, filler))


def spool_batches(
    settings: Settings,
    filler: Filler | None = None,
    size: int = SPOOL_BATCH,
    on_written: Callable[[int, bytes], None] | None = None,
) -> Iterator[int]:
    """`spool_pending` a batch at a time: yields how many files each batch wrote (and recorded).

    `on_written(row_id, data)` is told each file's bytes as it is written.
    """
    url = settings.database.url
    _sweep_stale_temp_files(settings.outbox_path)
    has_bytes = Outgoing.raw.is_not(None)
    spoolable = has_bytes if filler is None else or_(has_bytes, Outgoing.bulletin_id.is_not(None))
    spooled = 0
    after_id = 0
    while True:
        with transaction(url, readonly=True) as session:
            rows = session.execute(
                select(
                    Outgoing.id,
                    Outgoing.raw,
                    Outgoing.bulletin_id,
                    Outgoing.audience,
                    Outgoing.subscriber_id,
                    Outgoing.recipient,
                    Outgoing.message_id,
                )
                .where(Outgoing.status == "queued", Outgoing.spool_name == "", Outgoing.id > after_id, spoolable)
                .order_by(Outgoing.id)
                .limit(size)
            ).all()
            copies = filler.prepare(session, [r for r in rows if r.raw is None]) if filler is not None else {}
        if not rows:
            return
        orphans = {row_id for row_id, copy in copies.items() if copy is None}
        if orphans:
            _fail_orphans(url, sorted(orphans))
        written, error = _write_batch(settings, [r for r in rows if r.id not in orphans], copies, on_written)
        if written:
            _record_spooled(url, written)
            spooled += len(written)
            yield len(written)
        if error is not None:
            failed = len(rows) - len(written)
            log.error("outbox: could not write %d message(s) to %s: %s", failed, settings.outbox_path, error)
            raise SpoolError(
                f"could not write queued messages to {settings.outbox_path}: {error}; "
                "they stay queued: free space or fix permissions, then run `mln outbox flush`",
                spooled=spooled,
                failed=failed,
            )
        after_id = rows[-1].id


def _write_batch(
    settings: Settings, rows: list, copies: Mapping[int, Copy | None], on_written: Callable[[int, bytes], None] | None
) -> tuple[dict[int, str], OSError | None]:
    """Write files until the first error (a full disk fails every later write too).

    Each copy is made just before its file is written: short stretches of Python between
    system calls, so a sender in another thread is not kept waiting for the interpreter.
    """
    written: dict[int, str] = {}
    for row in rows:
        data = row.raw if row.raw is not None else copies[row.id].bytes()  # type: ignore[union-attr]
        try:
            written[row.id] = write_spool_file(settings, row.id, data)
        except OSError as exc:
            return written, exc
        if on_written is not None:
            on_written(row.id, data)
    return written, None


def _fail_orphans(url: str, ids: list[int]) -> None:
    """Bulletin copies whose subscriber was forgotten after they were queued: nothing to send."""
    with transaction(url) as session:
        session.execute(
            update(Outgoing)
            .where(Outgoing.id.in_(ids), Outgoing.status == "queued")
            .values(status="failed", last_error="the subscriber was removed before the copy was written")
        )
    log.info("outbox: %d bulletin copies dropped: their subscribers were removed", len(ids))


_outgoing = cast(Table, Outgoing.__table__)
# Only a row still queued: a row sent or cancelled meanwhile keeps its state.
_RECORD_SPOOLED = (
    update(_outgoing)
    .where(_outgoing.c.id == bindparam("row_id"), _outgoing.c.status == "queued")
    .values(spool_name=bindparam("name"))
)


def _record_spooled(url: str, written: dict[int, str]) -> None:
    with transaction(url) as session:  # one executemany for the batch
        session.execute(_RECORD_SPOOLED, [{"row_id": row_id, "name": name} for row_id, name in written.items()])


def _sweep_stale_temp_files(folder: Path) -> None:
    """Remove temp files left by a writer that was killed mid-write (its pid is gone)."""
    if not folder.is_dir():
        return
    for tmp in folder.glob(f".*{_TMP_SUFFIX}"):
        pid = tmp.name[: -len(_TMP_SUFFIX)].rsplit(".", 1)[-1]
        if pid.isdigit() and not pid_alive(int(pid)):
            tmp.unlink(missing_ok=True)


def sweep_sent_files(settings: Settings) -> int:
    """Remove outbox files of rows already sent (a kill between "marked sent" and the unlink)
    or cancelled (a bulletin cancelled after its copies were written ahead of the sender)."""
    folder = settings.outbox_path
    if not folder.is_dir():
        return 0
    by_id = {int(p.stem): p for p in folder.glob("*.eml") if p.stem.isdigit()}
    removed = 0
    ids = sorted(by_id)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        with transaction(settings.database.url, readonly=True) as session:
            done = session.scalars(
                select(Outgoing.id).where(Outgoing.id.in_(chunk), Outgoing.status.in_(("sent", "cancelled")))
            ).all()
        for row_id in done:
            by_id[row_id].unlink(missing_ok=True)
            removed += 1
    return removed


def spooled_file(settings: Settings, name: str) -> bytes:
    """An outbox file's bytes; b"" when it is missing or empty (files are written
    without fsync: a power cut can leave one so)."""
    if not name:
        return b""
    try:
        return spool_path(settings, name).read_bytes()
    except FileNotFoundError:
        return b""


def stored_copy(row: Outgoing, filler: Filler | None) -> bytes | None:
    """A row's bytes without its file: its raw column, or a bulletin copy filled in again by
    `filler`; None when there is nothing to send (or no filler to make a copy)."""
    session = object_session(row)
    if row.raw is not None or row.bulletin_id is None or filler is None or session is None:
        return row.raw
    copy = filler.prepare(session, [row])[row.id]
    return copy.bytes() if copy is not None else None


def remove_spooled(settings: Settings, name: str) -> None:
    if name:
        spool_path(settings, name).unlink(missing_ok=True)


# ---- status and retry, for `mln outbox` -------------------------------------------


@dataclass
class OutboxStatus:
    counts: dict[str, int] = field(default_factory=dict)  # status -> rows
    due_now: int = 0  # queued rows that a flush would send now
    deferred: int = 0  # queued rows waiting for their next attempt
    unspooled: int = 0  # queued rows with no outbox file yet
    in_flight: int = 0  # queued rows a sender has claimed right now
    oldest_queued: dt.datetime | None = None
    recent_failures: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "counts": self.counts,
            "due_now": self.due_now,
            "deferred": self.deferred,
            "unspooled": self.unspooled,
            "in_flight": self.in_flight,
            "oldest_queued": self.oldest_queued.isoformat() if self.oldest_queued else None,
            "recent_failures": self.recent_failures,
        }


def outbox_status(settings: Settings, now: dt.datetime | None = None, failures: int = 10) -> OutboxStatus:
    """Counts by status, what is due, and the latest permanent failures."""
    now = now or utcnow()
    status = OutboxStatus()
    with transaction(settings.database.url, readonly=True) as session:
        for name, count in session.execute(select(Outgoing.status, func.count()).group_by(Outgoing.status)):
            status.counts[name] = count
        queued = select(func.count()).select_from(Outgoing).where(Outgoing.status == "queued")
        status.deferred = session.scalar(queued.where(Outgoing.next_attempt_at > now)) or 0
        status.due_now = status.counts.get("queued", 0) - status.deferred
        status.unspooled = session.scalar(queued.where(Outgoing.spool_name == "")) or 0
        status.in_flight = session.scalar(queued.where(Outgoing.claimed_until > now)) or 0
        status.oldest_queued = session.scalar(select(func.min(Outgoing.created_at)).where(Outgoing.status == "queued"))
        for row in session.scalars(
            select(Outgoing).where(Outgoing.status == "failed").order_by(Outgoing.id.desc()).limit(failures)
        ):
            status.recent_failures.append(
                {
                    "id": row.id,
                    "recipient": row.recipient,
                    "kind": row.kind,
                    "attempts": row.attempts,
                    "error": row.last_error,
                }
            )
    return status


@dataclass
class RetryResult:
    failed_requeued: int = 0
    deferred_made_due: int = 0


def retry(settings: Settings, ids: tuple[int, ...] = (), include_deferred: bool = True) -> RetryResult:
    """Make failed rows (or only `ids`) queued and due now; also bring deferred rows forward."""
    result = RetryResult()
    with transaction(settings.database.url) as session:
        failed = update(Outgoing).where(Outgoing.status == "failed")
        if ids:
            failed = failed.where(Outgoing.id.in_(ids))
        requeued = session.execute(failed.values(status="queued", attempts=0, next_attempt_at=None, last_code=0))
        result.failed_requeued = cast(CursorResult, requeued).rowcount  # an UPDATE's result has a row count
        if include_deferred:
            deferred = update(Outgoing).where(Outgoing.status == "queued", Outgoing.next_attempt_at.is_not(None))
            if ids:
                deferred = deferred.where(Outgoing.id.in_(ids))
            made_due = session.execute(deferred.values(next_attempt_at=None))
            result.deferred_made_due = cast(CursorResult, made_due).rowcount
    return result


__all__ = [
    "Copy",
    "Filler",
    "OutboxStatus",
    "RetryResult",
    "SpoolError",
    "spool_batches",
    "outbox_status",
    "remove_spooled",
    "spooled_file",
    "stored_copy",
    "retry",
    "spool_name_for",
    "spool_path",
    "spool_pending",
    "sweep_sent_files",
    "write_spool_file",
]
