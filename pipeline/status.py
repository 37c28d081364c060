"""`mln status`: what the communications lead (or a monitoring script) needs at a glance.

Counts and times only, never a secret: URLs are shown without passwords and
the settings' secret fields are never read here. Times are shown in
network.timezone. Read through the driver (store/reader.py): `mln status`
imports neither SQLAlchemy nor the models, and the mailbox code only with
`--mailbox`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.config import Settings
from pipeline.errors import MlnError
from pipeline.localtime import shown
from pipeline.logs import redact
from pipeline.schedule_next import upcoming_in
from pipeline.store.reader import Reader, reading
from pipeline.store.vocabulary import SUBMISSION_STATUSES
from pipeline.worker_presence import live_workers, lock_path, running_worker


def collect_status(settings: Settings, now: dt.datetime | None = None, check_mailbox: bool = False) -> dict[str, Any]:
    """Everything `mln status` shows, as plain data (JSON-ready).

    With `check_mailbox`, also log in to the mailbox and count the messages
    waiting to be read (an unreachable mailbox is reported, not raised).
    """
    now = now or dt.datetime.now(dt.UTC)
    # Each part in its own variable (its own type); the report is put together at the end.
    with reading(settings.database.url) as reader:
        mailbox = _mailbox(reader, settings)
        messages = _messages(reader)
        submissions = _counts(reader, "submissions", "status", SUBMISSION_STATUSES)
        outbox = _outbox(reader, now)
        last_bulletin = _last_bulletin(reader, settings)
        worker = _worker(reader, settings, now)
        next_jobs = upcoming_in(reader, settings, now)
    if check_mailbox:
        mailbox.update(mailbox_waiting(settings))
    return {
        "timezone": settings.network.timezone,
        "now": shown(settings, now),
        "mailbox": mailbox,
        "messages": messages,
        "submissions": submissions,
        "outbox": outbox,
        "last_bulletin": last_bulletin,
        "worker": worker,
        "next_jobs": next_jobs,
        "next_job": next_jobs[0] if next_jobs else None,
    }


def _mailbox(reader: Reader, settings: Settings) -> dict[str, Any]:
    state = reader.one(
        "SELECT folder, last_poll_at, last_poll_seconds FROM mailbox_state "
        "WHERE last_poll_at IS NOT NULL ORDER BY last_poll_at DESC LIMIT 1"
    )
    return {
        "url": redact(settings.mailbox.url),
        "last_poll_at": shown(settings, state["last_poll_at"]) if state else None,
        "last_poll_seconds": state["last_poll_seconds"] if state else None,
        "folder": state["folder"] if state else None,
    }


def mailbox_waiting(settings: Settings) -> dict[str, Any]:
    """{"waiting": messages in the folder not yet read, "error": why it could not be counted}."""
    from pipeline.intake.mailbox import open_source  # logging in to the mailbox: only with --mailbox

    try:
        with open_source(settings) as source:
            epoch = source.epoch()
            with reading(settings.database.url) as reader:
                state = reader.one(
                    "SELECT uidvalidity, last_uid FROM mailbox_state WHERE mailbox = :mailbox AND folder = :folder",
                    {"mailbox": source.key, "folder": source.folder},
                )
            last_uid = state["last_uid"] if state is not None and state["uidvalidity"] == epoch else 0
            return {"waiting": len(source.new_locations(last_uid)), "error": None}
    except MlnError as exc:
        return {"waiting": None, "error": redact(str(exc))}


def _messages(reader: Reader) -> dict[str, int]:
    counts = _grouped(reader, "SELECT outcome, COUNT(*) FROM messages GROUP BY outcome")
    unfiled = reader.scalar("SELECT COUNT(*) FROM messages WHERE NOT action_done") or 0
    return {
        "total": sum(counts.values()),
        "held": counts.get("held", 0),  # waiting for a person: `mln messages --outcome held`
        "quarantined": counts.get("quarantined", 0),
        "not_yet_filed": unfiled,  # recorded, mailbox move still to do (the next pass does it)
    }


def _counts(reader: Reader, table: str, column: str, names: tuple[str, ...]) -> dict[str, int]:
    counts = _grouped(reader, f"SELECT {column}, COUNT(*) FROM {table} GROUP BY {column}")
    return {name: counts.get(name, 0) for name in names} | {k: v for k, v in counts.items() if k not in names}


def _grouped(reader: Reader, sql: str, params: dict[str, Any] | None = None) -> dict[Any, int]:
    """{value: count} from a `SELECT value, COUNT(*) ... GROUP BY value`."""
    return dict(reader.tuples(sql, params))


def _outbox(reader: Reader, now: dt.datetime) -> dict[str, int]:
    counts = _grouped(reader, "SELECT status, COUNT(*) FROM outgoing GROUP BY status")
    deferred = reader.scalar(
        "SELECT COUNT(*) FROM outgoing WHERE status = 'queued' AND next_attempt_at > :now", {"now": now}
    )
    return {
        "queued": counts.get("queued", 0),
        "deferred": deferred or 0,
        "failed": counts.get("failed", 0),
        "sent": counts.get("sent", 0),
    }


def _last_bulletin(reader: Reader, settings: Settings) -> dict[str, Any] | None:
    bulletin = reader.one(
        "SELECT id, number, period_start, status, subject, approved_at, sent_at FROM bulletins "
        "ORDER BY number DESC LIMIT 1"
    )
    if bulletin is None:
        return None
    deliveries = _grouped(
        reader, "SELECT status, COUNT(*) FROM outgoing WHERE bulletin_id = :id GROUP BY status", {"id": bulletin["id"]}
    )
    return {
        "id": bulletin["id"],
        "number": bulletin["number"],
        "period": f"{bulletin['period_start']:%Y-%m}",
        "status": bulletin["status"],
        "subject": bulletin["subject"],
        "approved_at": shown(settings, bulletin["approved_at"]),
        "sent_at": shown(settings, bulletin["sent_at"]),
        "deliveries": {name: deliveries.get(name, 0) for name in ("queued", "sent", "failed")},
    }


def _worker(reader: Reader, settings: Settings, now: dt.datetime) -> dict[str, Any]:
    """The SQLite lock holder (if any), and every worker that has reported itself lately."""
    path = lock_path(settings)
    running = [
        {
            "host": w["host"],
            "pid": w["pid"],
            "started_at": shown(settings, w["started_at"]),
            "seen_at": shown(settings, w["seen_at"]),
            "turns": w["turns"],
        }
        for w in live_workers(reader, settings, now)
    ]
    return {"lock": str(path) if path else None, "pid": running_worker(settings) if path else None, "running": running}
