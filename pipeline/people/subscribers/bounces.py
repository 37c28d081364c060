"""Failed deliveries against subscribers, counted per edition (bulletin), not per day.

A list mailed every two months never sees five failures within a month, so a rule in
days never fires. Two kinds of failure:

- **hard**: the report says the mailbox itself is gone (5.1.1 user unknown, 5.1.10 null MX,
  5.1.6 moved, 5.2.1 disabled, 5.1.0 / 5.1.2 / 5.1.3 about the named address, or a permanent
  failure in a format without status codes). The address is disabled at once, with the reason.
- **soft**: any other failure for good (mailbox full, blocked as spam, a relay refusing, an
  unknown format sent to our VERP address). The address is disabled when
  `bounces.soft_editions` editions in a row failed for it.

A 5xx at SMTP time (the sender's hook, pipeline/mailing/delivery.py) and a bounce message
(pipeline/intake/handlers/bounce.py) both end here. One row per (subscriber, edition): a
second report about the same copy changes nothing, unless it is the first hard one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.compose import build_message, queue_message
from pipeline.config import Settings
from pipeline.store.models import Bounce, Outgoing, Subscriber, utcnow

# Enhanced status codes (RFC 3463) that say the mailbox named is gone, not merely unreachable.
MAILBOX_GONE = frozenset({"5.1.0", "5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.2.1"})
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# What servers write when they give only "550" or "5.0.0": the mailbox named does not exist.
_GONE_WORDS = re.compile(
    r"user unknown|unknown user|no such (user|mailbox|recipient)|does not exist|doesn't exist|"
    r"mailbox unavailable|unknown recipient|recipient unknown|invalid recipient|address rejected|"
    r"not our customer|account (has been )?(disabled|closed|deactivated)|no mailbox|unrouteable address",
    re.IGNORECASE,
)


@dataclass
class BounceResult:
    counted: bool  # False: this edition's failure was already counted
    score: int  # editions in a row that failed
    disabled: bool  # disabled by this failure
    hard: bool


def status_in(text: str) -> str:
    """The first enhanced status code (x.y.z) in a server's words, or ""."""
    match = _STATUS.search(text or "")
    return ".".join(match.groups()) if match else ""


def is_mailbox_gone(status: str, text: str = "") -> bool:
    """Whether a permanent failure says the mailbox itself is gone (hard), given its status and words."""
    if status in MAILBOX_GONE:
        return True
    if status and not status.endswith(".0.0"):
        return False  # a specific code about something else: full, policy, routing
    return bool(_GONE_WORDS.search(text or ""))


def latest_edition_sent(session: Session, subscriber_id: int, before: dt.datetime | None = None) -> int | None:
    """The bulletin whose copy last went to this subscriber (what a bounce without a quote is about)."""
    query = select(Outgoing.bulletin_id).where(
        Outgoing.subscriber_id == subscriber_id, Outgoing.kind == "bulletin", Outgoing.status == "sent"
    )
    if before is not None:
        query = query.where(Outgoing.sent_at <= before)
    return session.scalar(query.order_by(Outgoing.sent_at.desc(), Outgoing.id.desc()).limit(1))


def record_bounce(
    session: Session,
    settings: Settings,
    subscriber: Subscriber,
    *,
    hard: bool,
    source: str,
    bulletin_id: int | None = None,
    status: str = "",
    detail: str = "",
    now: dt.datetime | None = None,
) -> BounceResult:
    """Count one failed delivery; disable the subscriber at once (hard) or after N editions in a row (soft)."""
    now = now or utcnow()
    counted = _insert(session, subscriber, bulletin_id, hard, source, status, detail, now)
    subscriber.last_bounce_at = now
    subscriber.bounce_score = _editions_in_a_row(session, subscriber)
    limit = settings.bounces.soft_editions
    disabled = subscriber.status == "active" and (hard or subscriber.bounce_score >= limit)
    if disabled:
        subscriber.status = "disabled"
        subscriber.disabled_at = now
        why = status or "permanent failure"
        subscriber.disabled_reason = (
            f"mailbox gone ({why}): {detail}"[:2000]
            if hard
            else f"{subscriber.bounce_score} editions in a row failed; last ({why}): {detail}"[:2000]
        )
        _tell_the_lead(session, settings, subscriber)
    return BounceResult(counted, subscriber.bounce_score, disabled, hard)


def _insert(
    session: Session,
    subscriber: Subscriber,
    bulletin_id: int | None,
    hard: bool,
    source: str,
    status: str,
    detail: str,
    now: dt.datetime,
) -> bool:
    kind = "hard" if hard else "soft"
    row = Bounce(
        subscriber_id=subscriber.id,
        bulletin_id=bulletin_id,
        kind=kind,
        source=source,
        status=status[:20],
        detail=detail[:2000],
        at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
        return True
    except IntegrityError:  # this edition already failed for them
        pass
    earlier = session.scalar(
        select(Bounce).where(Bounce.subscriber_id == subscriber.id, Bounce.bulletin_id == bulletin_id)
    )
    if earlier is not None and hard and earlier.kind != "hard":
        earlier.kind, earlier.status, earlier.detail = "hard", status[:20], detail[:2000]
        return True
    return False


def _editions_in_a_row(session: Session, subscriber: Subscriber) -> int:
    """How many of the latest editions sent to this subscriber failed, counting back to one that did not.

    Only copies sent since they last confirmed count: editions from before they were
    disabled and rejoined are not "in a row" with new ones.
    """
    sent = select(Outgoing.bulletin_id).where(
        Outgoing.subscriber_id == subscriber.id,
        Outgoing.kind == "bulletin",
        Outgoing.bulletin_id.is_not(None),
        Outgoing.status.in_(("sent", "failed")),
    )
    if subscriber.confirmed_at is not None:
        sent = sent.where(Outgoing.created_at >= subscriber.confirmed_at)
    editions = list(session.scalars(sent.order_by(Outgoing.bulletin_id.desc())))
    failed = set(
        session.scalars(
            select(Bounce.bulletin_id).where(Bounce.subscriber_id == subscriber.id, Bounce.bulletin_id.is_not(None))
        )
    )
    if not editions:  # a failure of other mail (a confirmation, a notice) still shows as one
        return 1 if session.scalar(select(Bounce.id).where(Bounce.subscriber_id == subscriber.id).limit(1)) else 0
    count = 0
    for edition in editions:
        if edition in failed:
            count += 1
        elif count:
            break
    return count


def _tell_the_lead(session: Session, settings: Settings, subscriber: Subscriber) -> None:
    text = (
        f"{subscriber.email} ({subscriber.name or 'no name'}, {subscriber.organisation or 'no organisation'}) "
        f"no longer receives the bulletin: {subscriber.disabled_reason}.\n\n"
        "If the address works again, ask them to rejoin by email.\n"
    )
    msg = build_message(
        settings,
        settings.network.shared_address,
        f"Bulletin: {subscriber.email} disabled after bounces",
        text,
        headers={"Auto-Submitted": "auto-generated"},
    )
    queue_message(session, settings, msg, kind="notice", subscriber_id=subscriber.id)


def smtp_hard_bounce_hook(settings: Settings):  # type: ignore[no-untyped-def]
    """The `on_hard_bounce` that pipeline.mailing.delivery.deliver_due gives the sender: a 5xx counts against the row's subscriber."""

    def hook(session: Session, row: Outgoing, failure) -> None:  # type: ignore[no-untyped-def]
        if row.subscriber_id is None:
            return
        subscriber = session.get(Subscriber, row.subscriber_id)
        if subscriber is None:
            return
        text = str(failure)
        status = status_in(text)
        record_bounce(
            session,
            settings,
            subscriber,
            hard=is_mailbox_gone(status, text),
            source="smtp",
            bulletin_id=row.bulletin_id,
            status=status or str(getattr(failure, "code", "") or ""),
            detail=text,
        )

    return hook


def bounce_list(session: Session) -> list[dict]:
    """Subscribers with bounces, worst first, for `mln subscribers bounces`."""
    rows = session.scalars(
        select(Subscriber)
        .where((Subscriber.bounce_score > 0) | (Subscriber.status == "disabled"))
        .order_by((Subscriber.status == "disabled").desc(), Subscriber.bounce_score.desc(), Subscriber.email)
    )
    return [
        {
            "email": s.email,
            "status": s.status,
            "bounce_score": s.bounce_score,
            "last_bounce_at": s.last_bounce_at.isoformat(timespec="seconds") if s.last_bounce_at else "",
            "disabled_reason": s.disabled_reason,
        }
        for s in rows
    ]
