"""The handlers that need no module of their own: ignore and hold."""

from __future__ import annotations

from pipeline.intake.handlers.base import HandlerContext, HandlerResult


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
