"""What a sending run reports: how many went, by which route, which were refused, and what paused."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class HardBounce:
    outgoing_id: int
    recipient: str
    subscriber_id: int | None
    code: int
    text: str
    stage: str


@dataclass
class SendReport:
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    connections: int = 0
    hard_bounces: list[HardBounce] = field(default_factory=list)
    spool_error: str = ""
    stopped: str = ""  # why the run ended early (the server could not be reached), or ""
    paused: dict[str, dt.datetime] = field(default_factory=dict)  # route at its 24-hour cap -> when it resumes
    by_route: dict[str, int] = field(default_factory=dict)  # route -> messages sent by it

    @property
    def processed(self) -> int:
        return self.sent + self.deferred + self.failed

    @property
    def resume_at(self) -> dt.datetime | None:
        """When the first paused route may send again (None: nothing is paused)."""
        return min(self.paused.values()) if self.paused else None

    def as_dict(self) -> dict:
        return {
            "sent": self.sent,
            "deferred": self.deferred,
            "failed": self.failed,
            "connections": self.connections,
            "hard_bounces": [vars(b) for b in self.hard_bounces],
            "spool_error": self.spool_error,
            "stopped": self.stopped,
            "paused": {name: at.isoformat() for name, at in self.paused.items()},
            "by_route": self.by_route,
        }


__all__ = ["HardBounce", "SendReport"]
