"""Sending the outbox for real: the sender given what only the mailing side knows.

The sender (pipeline/outbound/sender.py) knows nothing of subscribers or
bulletins. Every send that goes to people (the worker, `mln outbox flush`,
`mln bulletin send`) goes through `deliver_due`, which hands it the two things
it needs from up here: how to fill a bulletin copy (pipeline/mailing/copies.py)
and what a hard bounce means (a point against the subscriber,
pipeline/people/subscribers/bounces.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from pipeline.config import Settings
from pipeline.mailing.copies import CopyFiller
from pipeline.outbound.sender import HardBounceHook, RateLimiter, SendReport, send_due
from pipeline.people.subscribers.bounces import smtp_hard_bounce_hook
from pipeline.store.models import utcnow


def deliver_due(
    settings: Settings,
    *,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    on_hard_bounce: HardBounceHook | None = None,
    now: Callable[[], dt.datetime] = utcnow,
    limiter: RateLimiter | None = None,
) -> SendReport:
    """`send_due` with bulletin copies filled in and each hard bounce counted against its subscriber
    (or given to `on_hard_bounce` instead); the other arguments are send_due's."""
    hook = on_hard_bounce if on_hard_bounce is not None else smtp_hard_bounce_hook(settings)
    return send_due(
        settings,
        limit=limit,
        progress=progress,
        filler=CopyFiller(settings),
        on_hard_bounce=hook,
        now=now,
        limiter=limiter,
    )


__all__ = ["deliver_due"]
