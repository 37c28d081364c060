"""What a handler is: a name, a description, and one `handle(ctx)`.

The driver (pipeline/poll.py) calls exactly one handler per message, inside the
message's transaction. A handler stores what it needs through `ctx.session`,
queues replies with `pipeline.compose.queue_reply`, and returns a result.
It never commits, never prints, and never touches the mailbox: the driver
performs the mailbox action after commit.

To keep a message for a person, raise `HoldMessage("reason")` or return
`HandlerResult("held", reason)`. Any other exception quarantines the message
with its traceback (nothing the handler wrote is kept).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from ..config import Settings
    from ..mail import IncomingMail
    from ..models import Message
    from ..rules import Rule


@dataclass
class HandlerContext:
    session: Session
    settings: "Settings"
    record: "Message"  # the row for this message, flushed (has an id)
    mail: "IncomingMail"  # the parsed message
    rule: "Rule"  # the rule that chose this handler; rule.options holds its extra keys

    @property
    def options(self) -> dict[str, Any]:
        return self.rule.options


@dataclass
class HandlerResult:
    outcome: str = "processed"  # processed | held | ignored
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)


class Handler(Protocol):
    name: str
    description: str

    def handle(self, ctx: HandlerContext) -> HandlerResult: ...
