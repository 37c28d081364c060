"""The handlers that need no module of their own: ignore, hold, and "not yet available"."""
from __future__ import annotations

from .base import HandlerContext, HandlerResult


class Ignore:
    name = "ignore"
    description = "Record the message and do nothing else (out-of-office replies, our own mail)."

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        return HandlerResult("ignored", ctx.options.get("reason", f"ignored by rule {ctx.rule.name!r}"))


class Hold:
    name = "hold"
    description = "Keep the message for a person to look at."

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        return HandlerResult("held", ctx.options.get("reason", f"held by rule {ctx.rule.name!r}"))


class NotYetAvailable:
    """Stands in for a handler another part of the product will provide: holds, never drops."""

    description = "Placeholder: holds the message for a person until this handler exists."

    def __init__(self, name: str) -> None:
        self.name = name

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        return HandlerResult("held", f"handler not yet available: {self.name}")
