"""The handler registry: one handler per outcome, looked up by the name a rule gives."""
from __future__ import annotations

from .base import Handler, HandlerContext, HandlerResult
from .simple import Hold, Ignore, NotYetAvailable

# Handler names rules may use. A name mapped to NotYetAvailable holds its
# messages for a person until the real handler is registered here.
KNOWN_HANDLERS = ("submission", "subscribe", "unsubscribe", "confirm", "bounce", "template_request", "ignore", "hold")


def _build_registry() -> dict[str, Handler]:
    handlers: dict[str, Handler] = {name: NotYetAvailable(name) for name in KNOWN_HANDLERS}
    for handler in (Ignore(), Hold()):
        handlers[handler.name] = handler
    # Real handlers register below as they are built, e.g.:
    #   from .submission import SubmissionHandler; handlers["submission"] = SubmissionHandler()
    from .submission import SubmissionHandler
    from .template_request import TemplateRequestHandler

    for handler in (SubmissionHandler(), TemplateRequestHandler()):
        handlers[handler.name] = handler
    from .confirm import ConfirmHandler
    from .subscribe import SubscribeHandler
    from .unsubscribe import UnsubscribeHandler

    for handler in (SubscribeHandler(), ConfirmHandler(), UnsubscribeHandler()):
        handlers[handler.name] = handler
    from .bounce import BounceHandler

    handlers["bounce"] = BounceHandler()
    return handlers


# Filled on first use, so handler modules may import rules, compose and the rest
# without an import cycle (rules.py needs only KNOWN_HANDLERS from here).
HANDLERS: dict[str, Handler] = {}


def get_handler(name: str) -> Handler:
    if name not in HANDLERS:
        for key, handler in _build_registry().items():
            HANDLERS.setdefault(key, handler)
    return HANDLERS[name]


__all__ = ["HANDLERS", "KNOWN_HANDLERS", "Handler", "HandlerContext", "HandlerResult", "get_handler"]
