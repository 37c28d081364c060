"""Hard bounces against subscribers: at most one point a day; past the threshold, disabled.

A 5xx at SMTP time (pipeline/outbound/sender.py) and a permanent bounce message (the bounce
handler) both end here. The score is the number of days with a hard bounce in
the last `lists.bounce_window_days`; at `lists.bounce_threshold` the subscriber
is `disabled` and the communications lead is told by email.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.compose import build_message, queue_message
from pipeline.config import Settings
from pipeline.store.models import BounceDay, Outgoing, Subscriber, utcnow


@dataclass
class BounceResult:
    counted: bool  # False: this subscriber already had a point today
    score: int
    disabled: bool  # disabled by this bounce


def record_hard_bounce(
    session: Session,
    settings: Settings,
    subscriber: Subscriber,
    *,
    source: str,
    detail: str = "",
    now: dt.datetime | None = None,
) -> BounceResult:
    """Add today's bounce point (once per day), recompute the score, disable past the threshold."""
    now = now or utcnow()
    counted = True
    try:
        with session.begin_nested():
            session.add(BounceDay(subscriber_id=subscriber.id, day=now.date(), source=source, detail=detail[:2000]))
    except IntegrityError:
        counted = False
    since = (now - dt.timedelta(days=settings.lists.bounce_window_days)).date()
    subscriber.bounce_score = (
        session.scalar(
            select(func.count())
            .select_from(BounceDay)
            .where(BounceDay.subscriber_id == subscriber.id, BounceDay.day > since)
        )
        or 0
    )
    subscriber.last_bounce_at = now
    disabled = subscriber.status == "active" and subscriber.bounce_score >= settings.lists.bounce_threshold
    if disabled:
        subscriber.status = "disabled"
        subscriber.disabled_at = now
        subscriber.disabled_reason = (
            f"{subscriber.bounce_score} hard-bounce days in {settings.lists.bounce_window_days} days; last: {detail}"
        )
        _tell_the_lead(session, settings, subscriber)
    return BounceResult(counted, subscriber.bounce_score, disabled)


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
        if subscriber is not None:
            record_hard_bounce(session, settings, subscriber, source="smtp", detail=str(failure))

    return hook


def bounce_list(session: Session) -> list[dict]:
    """Subscribers with bounces, worst first, for `mln subscribers bounces`."""
    rows = session.scalars(
        select(Subscriber)
        .where((Subscriber.bounce_score > 0) | (Subscriber.status == "disabled"))
        .order_by(Subscriber.bounce_score.desc(), Subscriber.email)
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
