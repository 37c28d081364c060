"""unsubscribe: leave by the List-Unsubscribe address (token), or by a request from one's own address.

The token in bulletin+unsubscribe-TOKEN@... is the proof: leave at once. A request
from an address is acted on at once only when a trusted receiving server says the
sender is not forged (pipeline/intake/authresults.py); anyone can write any From,
so otherwise that address is asked to confirm by replying (Mailman's default).

A request with nothing to do (not a subscriber, already left, a confirmation already
asked for) is answered too, only ever about the sender's own address and only to it,
and at most once a day (pipeline/intake/handlers/courtesy.py).
"""

from __future__ import annotations

from pipeline.compose import may_auto_reply, queue_reply
from pipeline.errors import ConfigError, HoldMessage
from pipeline.intake.authresults import check_sender
from pipeline.intake.handlers import courtesy
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.people.subscribers import (
    ask_to_confirm_leaving,
    find_token,
    unsubscribe_address,
    unsubscribe_by_token,
)
from pipeline.people.subscribers.joining import LEAVE_CONFIRM, Outcome

NOTHING_TO_DO = "leave-nothing"  # the Outgoing kind of "there was nothing to do" notes


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
        return self.goodbye(ctx, outcome, by_token=token is not None)

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
            return nothing_to_do(ctx, outcome, by_token=False)
        return HandlerResult(
            "processed",
            f"{outcome.reason} (sender not verified: {why})",
            {"address": ctx.mail.from_addr, "confirm": True},
        )

    def goodbye(self, ctx: HandlerContext, outcome: Outcome, by_token: bool) -> HandlerResult:
        if not outcome.done:
            return nothing_to_do(ctx, outcome, by_token)
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


def nothing_to_do(ctx: HandlerContext, outcome: Outcome, by_token: bool) -> HandlerResult:
    """Say why nothing changed, about the sender's own address only: never whether another address is on a list."""
    sender = ctx.mail.from_addr.lower()
    subscriber = outcome.subscriber
    own = subscriber is not None and subscriber.email.lower() == sender
    short = ctx.settings.network.short_name
    if own and "less than a day ago" in outcome.reason:
        assert subscriber is not None
        asked = courtesy.last_sent(ctx.session, subscriber.email, LEAVE_CONFIRM)
        at = f" at {courtesy.when(ctx.settings, asked)}" if asked else " earlier today"
        said = [
            f"We sent a message to {sender}{at} asking you to confirm that you want to leave the {short} Bulletin.",
            "Please reply to that message (a plain reply is enough) and you will be taken off at once.",
        ]
    elif own and subscriber is not None and subscriber.status == "unsubscribed":
        said = [f"{sender} has already left the {short} Bulletin: it receives no bulletins from us."]
    elif subscriber is None and not by_token:
        said = [f"{sender} is not on the {short} Bulletin's mailing list, so there was nothing to remove."]
    elif by_token:
        said = ["This unsubscribe address is no longer valid, or the address it was made for has already left."]
    else:  # today's automatic replies to this address are used up: nothing more is sent today
        return HandlerResult("ignored", outcome.reason)
    lines = [
        f"Thank you for your request to leave the {short} Bulletin. Nothing needed to change.",
        "",
        *said,
        "",
        "If you still receive the bulletin, it is going to another of your addresses (perhaps one that forwards "
        "to this mailbox). To see which, look at the To: line of a bulletin you received; the unsubscribe link "
        "at the foot of any bulletin removes the address it was sent to, or reply from that address with "
        '"unsubscribe".',
    ]
    subject = f"Your request to leave the {short} Bulletin"
    told = courtesy.once_a_day(ctx.session, ctx.settings, ctx.mail, ctx.record, NOTHING_TO_DO, subject, lines)
    return HandlerResult("ignored", outcome.reason + told)
