"""unsubscribe: leave at once, by the List-Unsubscribe address (token) or a request from one's own address."""
from __future__ import annotations

from pipeline.compose import queue_reply
from pipeline.errors import ConfigError, HoldMessage
from pipeline.people.subscribers import find_token, unsubscribe_address, unsubscribe_by_token
from pipeline.intake.handlers.base import HandlerContext, HandlerResult


class UnsubscribeHandler:
    name = "unsubscribe"
    description = "Leave the bulletin at once and confirm it with one reply."

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        mail = ctx.mail
        addresses = [*mail.to, *mail.cc, *mail.headers.get("delivered-to", []), *mail.headers.get("x-original-to", [])]
        token = find_token("unsubscribe", *addresses)
        if token is not None:
            try:
                outcome = unsubscribe_by_token(ctx.session, ctx.settings, token)
            except ConfigError as exc:  # no token secret: keep the request until there is one
                raise HoldMessage(f"leave request kept: {exc}") from None  # undoes anything half-done
        else:
            outcome = unsubscribe_address(ctx.session, mail.from_addr)
        if not outcome.done:
            return HandlerResult("ignored", outcome.reason)
        short = ctx.settings.network.short_name
        assert outcome.subscriber is not None
        queue_reply(ctx.session, ctx.settings, mail, subject=f"You have left the {short} Bulletin",
                    text=f"{outcome.subscriber.email} will receive no more bulletins. To rejoin, reply with \"subscribe\".\n",
                    kind="goodbye", source=ctx.record)
        return HandlerResult("processed", outcome.reason, {"address": outcome.subscriber.email})
