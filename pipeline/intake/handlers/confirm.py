"""confirm: a reply to a confirmation request (sent to bulletin+confirm-TOKEN@...) confirms the join."""

from __future__ import annotations

from pipeline.compose import queue_reply
from pipeline.errors import ConfigError, HoldMessage
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.people.subscribers import confirm, find_token


class ConfirmHandler:
    name = "confirm"
    description = "Confirm a join: the signed token in the address, from the address being subscribed."

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        mail = ctx.mail
        addresses = [*mail.to, *mail.cc, *mail.headers.get("delivered-to", []), *mail.headers.get("x-original-to", [])]
        token = find_token("confirm", *addresses, mail.text)
        if token is None:
            return HandlerResult("held", "a confirmation reply without a token of ours")
        try:
            outcome = confirm(ctx.session, ctx.settings, token, mail.from_addr, source=ctx.record)
        except ConfigError as exc:  # no token secret: keep the reply until there is one
            raise HoldMessage(f"confirmation kept: {exc}") from None  # undoes anything half-done
        if not outcome.done:
            return HandlerResult("ignored", outcome.reason)
        subscriber = outcome.subscriber
        assert subscriber is not None
        short = ctx.settings.network.short_name
        if subscriber.awaiting_approval:
            text = f"Thank you: your address is confirmed. The {short} communications lead will approve it shortly.\n"
        else:
            text = f'Thank you: {subscriber.email} will now receive the {short} Bulletin.\nTo leave at any time, reply with "unsubscribe".\n'
        queue_reply(
            ctx.session,
            ctx.settings,
            mail,
            subject=f"Welcome to the {short} Bulletin",
            text=text,
            kind="welcome",
            source=ctx.record,
        )
        return HandlerResult("processed", outcome.reason, {"address": subscriber.email})
