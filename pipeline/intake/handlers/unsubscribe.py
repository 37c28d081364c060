"""unsubscribe: leave by the List-Unsubscribe address (token), or by a request from one's own address.

The token in bulletin+unsubscribe-TOKEN@... is the proof: leave at once. A request
from an address is acted on at once only when a trusted receiving server says the
sender is not forged (pipeline/intake/authresults.py); anyone can write any From,
so otherwise that address is asked to confirm by replying (Mailman's default).
"""

from __future__ import annotations

from pipeline.compose import may_auto_reply, queue_reply
from pipeline.errors import ConfigError, HoldMessage
from pipeline.intake.authresults import check_sender
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.people.subscribers import (
    ask_to_confirm_leaving,
    find_token,
    unsubscribe_address,
    unsubscribe_by_token,
)
from pipeline.people.subscribers.joining import Outcome


class UnsubscribeHandler:
    name = "unsubscribe"
    description = "Leave the bulletin: at once by token or from a verified sender, else after a confirming reply."

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        mail = ctx.mail
        addresses = [*mail.to, *mail.cc, *mail.headers.get("delivered-to", []), *mail.headers.get("x-original-to", [])]
        token = find_token("unsubscribe", *addresses)
        try:
            if token is not None:
                outcome = unsubscribe_by_token(ctx.session, ctx.settings, token)
            else:
                sender = check_sender(mail, ctx.settings.security.trusted_authserv_ids)
                if not sender.verified:
                    return self.ask_first(ctx, sender.reason)
                outcome = unsubscribe_address(ctx.session, mail.from_addr)
        except ConfigError as exc:  # no token secret: keep the request until there is one
            raise HoldMessage(f"leave request kept: {exc}") from None  # undoes anything half-done
        return self.goodbye(ctx, outcome)

    def ask_first(self, ctx: HandlerContext, why: str) -> HandlerResult:
        """The sender may be forged: the address itself confirms by replying."""
        allowed, why_not = may_auto_reply(ctx.settings, ctx.mail)
        if not allowed:
            return HandlerResult(
                "ignored", f"leave request not acted on (sender not verified: {why}) and not answered: {why_not}"
            )
        outcome = ask_to_confirm_leaving(
            ctx.session, ctx.settings, ctx.mail.from_addr, source=ctx.record, in_reply_to=ctx.mail.message_id
        )
        if not outcome.done:
            return HandlerResult("ignored", outcome.reason)
        return HandlerResult(
            "processed",
            f"{outcome.reason} (sender not verified: {why})",
            {"address": ctx.mail.from_addr, "confirm": True},
        )

    def goodbye(self, ctx: HandlerContext, outcome: Outcome) -> HandlerResult:
        if not outcome.done:
            return HandlerResult("ignored", outcome.reason)
        short = ctx.settings.network.short_name
        assert outcome.subscriber is not None
        queue_reply(
            ctx.session,
            ctx.settings,
            ctx.mail,
            subject=f"You have left the {short} Bulletin",
            text=f'{outcome.subscriber.email} will receive no more bulletins. To rejoin, reply with "subscribe".\n',
            kind="goodbye",
            source=ctx.record,
        )
        return HandlerResult("processed", outcome.reason, {"address": outcome.subscriber.email})
