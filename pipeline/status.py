"""`mln status`: what the communications lead (or a monitoring script) needs at a glance.

Counts and times only, never a secret: URLs are shown without passwords and
the settings' secret fields are never read here. Times are shown in
network.timezone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline import schedule
from pipeline.config import Settings
from pipeline.errors import MlnError
from pipeline.intake.mailbox import open_source
from pipeline.localtime import shown
from pipeline.logs import redact
from pipeline.store import db
from pipeline.store.models import SUBMISSION_STATUSES, Bulletin, MailboxState, Message, Outgoing, Submission, utcnow
from pipeline.worker_presence import live_workers, lock_path, running_worker


def collect_status(settings: Settings, now: dt.datetime | None = None, check_mailbox: bool = False) -> dict[str, Any]:
    """Everything `mln status` shows, as plain data (JSON-ready).

    With `check_mailbox`, also log in to the mailbox and count the messages
    waiting to be read (an unreachable mailbox is reported, not raised).
    """
    now = now or utcnow()
    db.require_schema(settings.database.url)
    # Each part in its own variable (its own type); the report is put together at the end.
    with db.transaction(settings.database.url, readonly=True) as session:
        mailbox = _mailbox(session, settings)
        messages = _messages(session)
        submissions = _counts(session, Submission.status, SUBMISSION_STATUSES)
        outbox = _outbox(session, now)
        last_bulletin = _last_bulletin(session, settings)
    if check_mailbox:
        mailbox.update(mailbox_waiting(settings))
    worker = _worker(settings, now)
    next_jobs = schedule.upcoming(settings, now)
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


def _mailbox(session: Session, settings: Settings) -> dict[str, Any]:
    state = session.scalar(
        select(MailboxState)
        .where(MailboxState.last_poll_at.is_not(None))
        .order_by(MailboxState.last_poll_at.desc())
        .limit(1)
    )
    return {
        "url": redact(settings.mailbox.url),
        "last_poll_at": shown(settings, state.last_poll_at) if state else None,
        "last_poll_seconds": state.last_poll_seconds if state else None,
        "folder": state.folder if state else None,
    }


def mailbox_waiting(settings: Settings) -> dict[str, Any]:
    """{"waiting": messages in the folder not yet read, "error": why it could not be counted}."""
    try:
        with open_source(settings) as source:
            epoch = source.epoch()
            with db.transaction(settings.database.url, readonly=True) as session:
                state = session.scalar(
                    select(MailboxState).where(MailboxState.mailbox == source.key, MailboxState.folder == source.folder)
                )
            last_uid = state.last_uid if state is not None and state.uidvalidity == epoch else 0
            return {"waiting": len(source.new_locations(last_uid)), "error": None}
    except MlnError as exc:
        return {"waiting": None, "error": redact(str(exc))}


def _messages(session: Session) -> dict[str, int]:
    counts = dict(session.execute(select(Message.outcome, func.count()).group_by(Message.outcome)).all())
    unfiled = session.scalar(select(func.count()).select_from(Message).where(Message.action_done.is_(False))) or 0
    return {
        "total": sum(counts.values()),
        "held": counts.get("held", 0),  # waiting for a person: `mln messages --outcome held`
        "quarantined": counts.get("quarantined", 0),
        "not_yet_filed": unfiled,  # recorded, mailbox move still to do (the next pass does it)
    }


def _counts(session: Session, column: Any, names: tuple[str, ...]) -> dict[str, int]:
    counts: dict[str, int] = dict(session.execute(select(column, func.count()).group_by(column)).all())
    return {name: counts.get(name, 0) for name in names} | {k: v for k, v in counts.items() if k not in names}


def _outbox(session: Session, now: dt.datetime) -> dict[str, int]:
    counts = dict(session.execute(select(Outgoing.status, func.count()).group_by(Outgoing.status)).all())
    deferred = (
        session.scalar(
            select(func.count())
            .select_from(Outgoing)
            .where(Outgoing.status == "queued", Outgoing.next_attempt_at > now)
        )
        or 0
    )
    return {
        "queued": counts.get("queued", 0),
        "deferred": deferred,
        "failed": counts.get("failed", 0),
        "sent": counts.get("sent", 0),
    }


def _last_bulletin(session: Session, settings: Settings) -> dict[str, Any] | None:
    bulletin = session.scalar(select(Bulletin).order_by(Bulletin.number.desc()).limit(1))
    if bulletin is None:
        return None
    deliveries = dict(
        session.execute(
            select(Outgoing.status, func.count()).where(Outgoing.bulletin_id == bulletin.id).group_by(Outgoing.status)
        ).all()
    )
    return {
        "id": bulletin.id,
        "number": bulletin.number,
        "period": f"{bulletin.period_start:%Y-%m}",
        "status": bulletin.status,
        "subject": bulletin.subject,
        "approved_at": shown(settings, bulletin.approved_at),
        "sent_at": shown(settings, bulletin.sent_at),
        "deliveries": {name: deliveries.get(name, 0) for name in ("queued", "sent", "failed")},
    }


def _worker(settings: Settings, now: dt.datetime) -> dict[str, Any]:
    """The SQLite lock holder (if any), and every worker that has reported itself lately."""
    path = lock_path(settings)
    running = [
        {
            "host": w.host,
            "pid": w.pid,
            "started_at": shown(settings, w.started_at),
            "seen_at": shown(settings, w.seen_at),
            "turns": w.turns,
        }
        for w in live_workers(settings, now)
    ]
    return {"lock": str(path) if path else None, "pid": running_worker(settings) if path else None, "running": running}
