"""The approval rules of an approved edition: how many approvers it still needs, its send-at time.

Plain rules over a few fields, with no session: bulletin/approval.py applies them to the mapped
Bulletin, and `mln status` (mailing/waiting.py) to a row read through the driver. They live here,
not in bulletin/, because importing that package brings in the models (issue #23).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from pipeline.config import Settings
from pipeline.errors import InvalidInput
from pipeline.localtime import zone

SEND_AT_FORMAT = "%Y-%m-%d %H:%M"


class Approvable(Protocol):
    """What the rules read of an edition: the mapped Bulletin, or an `ApprovalState` from a row."""

    @property
    def id(self) -> int: ...

    @property
    def status(self) -> str: ...

    @property
    def approvals(self) -> list[Any] | None: ...

    @property
    def send_at(self) -> dt.datetime | None: ...


@dataclass(frozen=True)
class ApprovalState:
    """An edition's approval fields as read from the bulletins table."""

    id: int
    status: str
    approvals: list[Any] | None
    send_at: dt.datetime | None


def required_approvals(settings: Settings) -> int:
    return max(1, settings.bulletin.approvals)


def approvers(bulletin: Approvable) -> list[str]:
    return [a.get("by", "") for a in bulletin.approvals or []]


def approvals_missing(settings: Settings, bulletin: Approvable) -> int:
    """How many more people must approve an approved issue before it may go (0: none)."""
    if bulletin.status != "approved":
        return 0
    return max(0, required_approvals(settings) - len(set(approvers(bulletin))))


def held_back(settings: Settings, bulletin: Approvable, now: dt.datetime | None = None) -> str:
    """Why an approved issue may not be sent yet ("" when it may): a missing approver or its send-at time."""
    missing = approvals_missing(settings, bulletin)
    if missing:
        return (
            f"bulletin {bulletin.id} waits for {missing} more approver(s) ([bulletin] approvals = "
            f"{required_approvals(settings)}): mln bulletin approve {bulletin.id} --as NAME"
        )
    if bulletin.send_at is not None and bulletin.send_at > (now or _utcnow()):
        return f"bulletin {bulletin.id} is not to be sent before {when_shown(settings, bulletin.send_at)}"
    return ""


def parse_send_at(settings: Settings, text: str, now: dt.datetime | None = None) -> dt.datetime:
    """'2027-01-05 09:00' in the network's time zone -> an aware UTC time, refused if already past."""
    try:
        local = dt.datetime.strptime(text.strip(), SEND_AT_FORMAT)
    except ValueError:
        raise InvalidInput(f"--send-at {text!r}: give a local date and time as YYYY-MM-DD HH:MM") from None
    value = local.replace(tzinfo=zone(settings)).astimezone(dt.UTC)
    if value <= (now or _utcnow()):
        raise InvalidInput(f"--send-at {text!r} is already past; leave it out to send at the next run")
    return value


def when_shown(settings: Settings, value: dt.datetime) -> str:
    """A send-at time as people read it: local date and time with the zone's name."""
    local = value.astimezone(zone(settings))
    return f"{local.strftime(SEND_AT_FORMAT)} {settings.network.timezone}"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
