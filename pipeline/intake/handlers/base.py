"""What a handler is: a name, a description, and one `handle(ctx)`.

The driver (pipeline/intake/poll.py) calls exactly one handler per message, inside the
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
    from pipeline.config import Settings
    from pipeline.mail import IncomingMail
    from pipeline.store.models import Message
    from pipeline.intake.rules import Rule


@dataclass
class HandlerContext:
    session: Session
    settings: "Settings"
    record: "Message"  # the row for this message; flushed (has an id) unless the handler says it needs none
    mail: "IncomingMail"  # the parsed message
    rule: "Rule"  # the rule that chose this handler; rule.options holds its extra keys
    # True for a message in a group (pipeline/intake/poll.py): the driver flushes the whole group
    # once, so a handler need not flush what it adds (ids in `details` are then None).
    flush_later: bool = False

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
    # False for a handler that never reads ctx.record.id before a flush (it links rows to the
    # message by relationship): in a group, the message's row is then inserted with the rest.
    needs_record_id: bool

    def handle(self, ctx: HandlerContext) -> HandlerResult: ...
