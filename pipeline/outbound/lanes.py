"""One lane per route in a sending run: its connection, its pace and its signer.

A sending run (pipeline/outbound/sender.py) sends each route's messages over that
route's own connection, no faster than its `rate_per_minute`, signed with its DKIM
key when it has one; the rolling 24-hour cap is checked against the database
before each batch (pipeline/outbound/quota.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pipeline.config import Settings
from pipeline.config_smtp import RouteSettings
from pipeline.outbound.dkim import DkimSigner, signer_for
from pipeline.outbound.routes import settings_for
from pipeline.outbound.smtp import SmtpConnection


class RateLimiter:
    """At most `per_minute` message starts per minute (0: no limit)."""

    def __init__(
        self, per_minute: int, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self._last: float | None = None

    def wait(self) -> None:
        if self.interval and self._last is not None:
            delay = self._last + self.interval - self.clock()
            if delay > 0:
                self.sleep(delay)
        self._last = self.clock()


class Lane:
    """What a run needs to send by one route; the connection opens on its first message."""

    def __init__(self, settings: Settings, route: RouteSettings, limiter: RateLimiter | None = None) -> None:
        self.route = route
        self.settings = settings_for(settings, route)
        self.conn = SmtpConnection(self.settings)
        self.limiter = limiter or RateLimiter(route.smtp.rate_per_minute)
        self.signer: DkimSigner | None = signer_for(route.smtp, settings.base_dir)

    @property
    def name(self) -> str:
        return self.route.name

    def prepare(self, data: bytes) -> bytes:
        """The bytes as they go on the wire: signed, when the route signs."""
        return self.signer.sign(data) if self.signer is not None else data


__all__ = ["Lane", "RateLimiter"]
