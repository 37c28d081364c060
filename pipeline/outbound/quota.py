"""A route's caps, counted from what the database recorded as sent.

`daily_limit` is recipients in any rolling 24 hours (Exchange Online's rule): a
message may go once fewer than `daily_limit` were sent by its route in the 24
hours before. The count is of rows marked sent, so it survives restarts and
kill -9, and two senders on one database see the same count (each also leaves
room for the rows the other holds claimed). A route at its cap pauses; the
sender says when it resumes (`resume_at`), and the next run after that carries on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.config_smtp import RouteSettings
from pipeline.outbound.routes import all_routes
from pipeline.store.claims import claimant_is_gone
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing

WINDOW = dt.timedelta(hours=24)
# A cap reached only because another sender holds claims: look again after its batch.
RECHECK = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Quota:
    """Where one route stands against its rolling 24-hour cap at one moment."""

    route: str
    daily_limit: int  # 0: no cap
    sent_24h: int
    held: int  # rows other senders hold claimed on this route now
    allowance: int | None  # how many may start now (None: no cap)
    resume_at: dt.datetime | None  # when the cap lets the next one go, if it does not now

    @property
    def paused(self) -> bool:
        return self.allowance == 0


def _sent_since(route: str, since: dt.datetime):  # type: ignore[no-untyped-def]
    return (Outgoing.route == route, Outgoing.status == "sent", Outgoing.sent_at > since)


def sent_times(session: Session, route: str, now: dt.datetime) -> list[dt.datetime]:
    """When each message this route sent in the last 24 hours went, oldest first."""
    return list(
        session.scalars(select(Outgoing.sent_at).where(*_sent_since(route, now - WINDOW)).order_by(Outgoing.sent_at))
    )


def route_quota(session: Session, route: RouteSettings, now: dt.datetime, owner: str = "") -> Quota:
    """How many messages `route` may start now, and, at its cap, when it may go on."""
    cap = route.smtp.daily_limit
    sent = session.scalar(select(func.count()).select_from(Outgoing).where(*_sent_since(route.name, now - WINDOW)))
    held = _held_by_others(session, route.name, now, owner) if cap else 0
    if not cap:
        return Quota(route.name, 0, sent or 0, 0, None, None)
    allowance = max(0, cap - (sent or 0) - held)
    resume_at = None if allowance else _resume_at(session, route, now, (sent or 0) + held - cap + 1, held)
    return Quota(route.name, cap, sent or 0, held, allowance, resume_at)


def _held_by_others(session: Session, route: str, now: dt.datetime, owner: str) -> int:
    """Rows of this route that another living sender holds claimed (it may be sending them now)."""
    live = (Outgoing.route == route, Outgoing.status == "queued", Outgoing.claimed_until > now)
    holders = session.execute(select(Outgoing.claimed_by, func.count()).where(*live).group_by(Outgoing.claimed_by))
    return sum(n for holder, n in holders if holder and holder != owner and not claimant_is_gone(holder))


def _resume_at(session: Session, route: RouteSettings, now: dt.datetime, must_age: int, held: int) -> dt.datetime:
    """When `must_age` of the window's sends have left it (its oldest ones)."""
    times = sent_times(session, route.name, now)
    if must_age > len(times):  # only other senders' claims stand in the way
        return now + RECHECK
    return times[must_age - 1] + WINDOW


def finish_estimate(
    history: list[dt.datetime], now: dt.datetime, remaining: int, daily_limit: int, rate_per_minute: int
) -> dt.datetime:
    """When the last of `remaining` messages would start, at the route's pace and under its cap.

    Message i may start once the one `daily_limit` before it (in `history`, then in this
    plan) is 24 hours old, and no sooner than the rate allows after the previous one.
    """
    interval = dt.timedelta(seconds=60 / rate_per_minute) if rate_per_minute > 0 else dt.timedelta(0)
    starts = list(history)
    at, first = now, len(history)
    for i in range(remaining):
        if i:
            at += interval
        if daily_limit and len(starts) >= daily_limit:
            at = max(at, starts[-daily_limit] + WINDOW)
        starts.append(at)
    return starts[-1] if len(starts) > first else now


@dataclass(frozen=True)
class RouteStatus:
    """One route for `mln outbox status`: its limits, what it sent, what waits, and when it will be done."""

    name: str
    rate_per_minute: int
    daily_limit: int
    sent_24h: int
    queued: int
    paused_until: dt.datetime | None
    eta: dt.datetime | None  # when its last queued message should start (None: nothing queued)

    def as_dict(self) -> dict:
        return {
            **{k: v for k, v in vars(self).items() if k not in ("paused_until", "eta")},
            "paused_until": self.paused_until.isoformat(timespec="seconds") if self.paused_until else None,
            "eta": self.eta.isoformat(timespec="seconds") if self.eta else None,
        }


def route_status(settings: Settings, now: dt.datetime) -> list[RouteStatus]:
    """Every route's standing; rows not yet given a route count as the default route's."""
    result = []
    with transaction(settings.database.url, readonly=True) as session:
        for route in all_routes(settings):
            names = [route.name] if route.name != all_routes(settings)[-1].name else [route.name, ""]
            queued = (
                session.scalar(
                    select(func.count())
                    .select_from(Outgoing)
                    .where(Outgoing.status == "queued", Outgoing.route.in_(names))
                )
                or 0
            )
            quota = route_quota(session, route, now)
            history = sent_times(session, route.name, now) if route.smtp.daily_limit else []
            limits = route.smtp
            eta = finish_estimate(history, now, queued, limits.daily_limit, limits.rate_per_minute) if queued else None
            paused = quota.resume_at if quota.paused and queued else None
            result.append(
                RouteStatus(route.name, limits.rate_per_minute, limits.daily_limit, quota.sent_24h, queued, paused, eta)
            )
    return result


__all__ = ["Quota", "RECHECK", "WINDOW", "RouteStatus", "finish_estimate", "route_quota", "route_status", "sent_times"]
