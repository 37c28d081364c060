"""What a handler is: a name, a description, and one `handle(ctx)`.

The driver (pipeline/intake/poll.py) calls exactly one handler per message, inside the
message's transaction, with the message's row already inserted. A handler adds what
it needs through `ctx.session`, linking new rows to the message and to each other by
relationship, queues replies with `pipeline.compose.queue_reply`, and returns a result.
It never flushes, never commits, never prints, and never touches the mailbox: the
driver inserts what the handler added (for several messages at once, or in the
handler's savepoint for one alone) and performs the mailbox action after commit.
A handler cannot tell which of the two it runs in.

To keep a message for a person, raise `HoldMessage("reason")` or return
`HandlerResult("held", reason)`. Any other exception quarantines the message
with its traceback (nothing the handler wrote is kept).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.orm import Session

from pipeline.store.models import Base

if TYPE_CHECKING:
    from pipeline.config import Settings
    from pipeline.intake.prepare import AttachmentForms
    from pipeline.intake.rules import Rule
    from pipeline.mail import IncomingMail
    from pipeline.store.models import Message


@dataclass
class HandlerContext:
    session: Session
    settings: Settings
    record: Message  # the row for this message, inserted (it has an id)
    mail: IncomingMail  # the parsed message
    forms: Sequence[AttachmentForms]  # what each of mail.attachments holds, read by pipeline/intake/prepare.py
    rule: Rule  # the rule that chose this handler; rule.options holds its extra keys

    @property
    def options(self) -> dict[str, Any]:
        return self.rule.options


@dataclass
class HandlerResult:
    outcome: str = "processed"  # processed | held | ignored
    reason: str = ""
    # What the handler did, for tools and tests. A row it made (or a list of them) stands
    # here for its id: the row has none until the driver flushes, then `with_ids` reads it.
    details: dict[str, Any] = field(default_factory=dict)

    def with_ids(self) -> HandlerResult:
        """This result with each row in `details` replaced by its id; call it once the rows are flushed."""
        return dataclasses.replace(self, details={key: _ids(value) for key, value in self.details.items()})


def _ids(value: Any) -> Any:
    if isinstance(value, list):
        return [_ids(v) for v in value]
    if isinstance(value, Base):
        row: Any = value  # every model's key is `id`
        return row.id
    return value


class Handler(Protocol):
    name: str
    description: str

    def handle(self, ctx: HandlerContext) -> HandlerResult: ...
