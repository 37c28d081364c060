"""The handler registry: one handler per outcome, looked up by the name a rule gives."""

from __future__ import annotations

from pipeline.intake.handlers.base import Handler, HandlerContext, HandlerResult
from pipeline.intake.handlers.bounce import BounceHandler
from pipeline.intake.handlers.complaint import ComplaintHandler
from pipeline.intake.handlers.confirm import ConfirmHandler
from pipeline.intake.handlers.share_consent import ShareConsentHandler
from pipeline.intake.handlers.simple import Hold, Ignore
from pipeline.intake.handlers.submission import SubmissionHandler
from pipeline.intake.handlers.subscribe import SubscribeHandler
from pipeline.intake.handlers.template_request import TemplateRequestHandler
from pipeline.intake.handlers.unrecognised import UnrecognisedHandler
from pipeline.intake.handlers.unsubscribe import UnsubscribeHandler
from pipeline.intake.rules import KNOWN_HANDLERS

HANDLERS: dict[str, Handler] = {
    handler.name: handler
    for handler in (
        SubmissionHandler(),
        TemplateRequestHandler(),
        SubscribeHandler(),
        ConfirmHandler(),
        UnsubscribeHandler(),
        BounceHandler(),
        ComplaintHandler(),
        ShareConsentHandler(),
        UnrecognisedHandler(),
        Ignore(),
        Hold(),
    )
}
assert set(HANDLERS) == set(KNOWN_HANDLERS), "every handler a rule may name is registered here"


def get_handler(name: str) -> Handler:
    return HANDLERS[name]


__all__ = ["HANDLERS", "KNOWN_HANDLERS", "Handler", "HandlerContext", "HandlerResult", "get_handler"]
