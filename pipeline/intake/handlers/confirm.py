"""confirm: a reply to a confirmation request (sent to bulletin+confirm-TOKEN@...) confirms the join.

A reply we cannot use (no token of ours, an expired or altered one, one already used, or
sent from another address than the one being added) is still answered in the same pass:
the person believes they have joined, so they are told they have not, and how to join.
"""

from __future__ import annotations

from pipeline.compose import queue_reply
from pipeline.errors import ConfigError, HoldMessage
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.people.subscribers import Outcome, confirm, find_token


class ConfirmHandler:
    name = "confirm"
    description = "Confirm a join: the signed token in the address, from the address being subscribed."

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        mail = ctx.mail
        addresses = [*mail.to, *mail.cc, *mail.headers.get("delivered-to", []), *mail.headers.get("x-original-to", [])]
        token = find_token("confirm", *addresses, mail.text)
        if token is None:
            told = _not_recognised(ctx, Outcome(False, "no token"))
            return HandlerResult("held", "a confirmation reply without a token of ours" + told)
        try:
            outcome = confirm(ctx.session, ctx.settings, token, mail.from_addr, source=ctx.record)
        except ConfigError as exc:  # no token secret: keep the reply until there is one
            raise HoldMessage(f"confirmation kept: {exc}") from None  # undoes anything half-done
        if not outcome.done:
            return HandlerResult("ignored", outcome.reason + _not_recognised(ctx, outcome))
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


def _not_recognised(ctx: HandlerContext, outcome: Outcome) -> str:
    """Tell the person why the reply did not confirm anything, and how to join. Says nothing of
    whose address a token was for: the reply goes to whoever wrote."""
    network = ctx.settings.network
    subscriber = outcome.subscriber
    sender = ctx.mail.from_addr.strip().lower()
    ours = subscriber is not None and subscriber.email == sender
    if ours and subscriber is not None and subscriber.confirmed_at is not None and "already used" in outcome.reason:
        subject = f"You are already on the {network.short_name} Bulletin list"
        why = f"Your address was already confirmed: there is nothing more to do. {_state(subscriber.awaiting_approval)}"
    elif subscriber is not None and not ours and "came from" in outcome.reason:
        subject = f"Joining the {network.short_name} Bulletin: please reply from the address being added"
        why = (
            "The confirmation link or code in your reply is for a different email address from the one you wrote "
            "from. Only the address being added can confirm: please reply to our message from that address."
        )
    else:
        subject = f"Joining the {network.short_name} Bulletin: we did not recognise that link"
        expired = "expired" in outcome.reason
        why = (
            "The confirmation link or code in your message has expired, so it has not added you to the list."
            if expired
            else "We did not recognise a confirmation link or code of ours in your message, "
            "so it has not added you to the list."
        )
    lines = [
        why,
        "",
        f'To join, send an email to {network.shared_address} with "subscribe" in the subject; '
        "we will send you a new confirmation to reply to.",
        "",
        f"-- \n{network.name}",
        "This is an automatic reply.",
    ]
    reply = queue_reply(
        ctx.session, ctx.settings, ctx.mail, subject=subject, text="\n".join(lines), kind="reply", source=ctx.record
    )
    return "; the sender was told" if reply is not None else "; no reply sent (automatic mail or daily limit)"


def _state(awaiting_approval: bool) -> str:
    return "The communications lead will approve it shortly." if awaiting_approval else "You will receive the bulletin."
