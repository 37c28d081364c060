"""Running the routed handler: alone inside a savepoint, or bare in a group of messages.

The driver (pipeline/intake/poll.py) chooses which; the handler cannot tell.
"""

from __future__ import annotations

import dataclasses
import logging
import traceback
from collections.abc import Sequence

from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.errors import HoldMessage
from pipeline.intake.handlers import Handler, HandlerContext, HandlerResult, get_handler
from pipeline.intake.prepare import AttachmentForms
from pipeline.intake.recording import set_routing
from pipeline.intake.rules import Routing
from pipeline.mail import IncomingMail
from pipeline.store.models import Message

log = logging.getLogger(__name__)


class NeedsIsolation(Exception):
    """A handler in a group failed or held its message: handle the group one message at a time."""


def run_handler(
    session: Session,
    settings: Settings,
    record: Message,
    mail: IncomingMail,
    forms: Sequence[AttachmentForms],
    routing: Routing,
) -> HandlerResult:
    """Run the routed handler for one message alone, inside a savepoint: a failure undoes only what it wrote.

    What the handler added is flushed inside the savepoint too, so a value the database
    refuses quarantines just this message; the result's rows are then read as ids.
    """
    handler, context = _handler_for(session, settings, record, mail, forms, routing)
    try:
        with session.begin_nested():
            result = handler.handle(context)
            session.flush()
        return result.with_ids()
    except HoldMessage as hold:
        return HandlerResult("held", hold.reason)
    except Exception as exc:  # noqa: BLE001 - any handler failure quarantines this one message
        record.error = traceback.format_exc()
        log.error("handler %s failed: %s", routing.handler, exc, extra={"message_id": record.message_id})
        return HandlerResult("quarantined", f"handler {routing.handler} failed: {type(exc).__name__}: {exc}")


def run_in_group(
    session: Session,
    settings: Settings,
    record: Message,
    mail: IncomingMail,
    forms: Sequence[AttachmentForms],
    routing: Routing,
) -> HandlerResult:
    """Run the routed handler for a message in a group, without a savepoint (two round trips fewer).

    What it added goes in with the group's one flush. A failure or a hold cannot be
    undone for this message alone, so it raises NeedsIsolation and the group is undone.
    """
    handler, context = _handler_for(session, settings, record, mail, forms, routing)
    try:
        return handler.handle(context)
    except Exception as exc:  # HoldMessage too: what it wrote must be undone
        raise NeedsIsolation(f"handler {routing.handler}: {type(exc).__name__}") from exc


def _handler_for(
    session: Session,
    settings: Settings,
    record: Message,
    mail: IncomingMail,
    forms: Sequence[AttachmentForms],
    routing: Routing,
) -> tuple[Handler, HandlerContext]:
    set_routing(record, routing)
    rule = dataclasses.replace(routing.rule, options=routing.options)
    context = HandlerContext(session=session, settings=settings, record=record, mail=mail, forms=forms, rule=rule)
    return get_handler(routing.handler), context
