"""subscribe: a join request by email creates a pending subscriber and asks that address to confirm.

A request with nothing to send is answered too, in the same pass and only to the sender:
"you are already on the list", "we sent you a confirmation at TIME", "that is not an
address". What is said about an address is said only to that address: a request naming
someone else gets the same neutral note whatever became of it, so it never tells a
stranger whether that person is on a list, and never mails them a second time.
"""

from __future__ import annotations

import re

from pipeline.compose import may_auto_reply
from pipeline.errors import ConfigError, HoldMessage, InvalidInput
from pipeline.intake.handlers import courtesy
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.mail import body_start
from pipeline.people.subscribers import request_join
from pipeline.people.subscribers.joining import Outcome

JOIN_NOTE = "join-note"  # the Outgoing kind of the notes below: at most one a day to one address

_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def named_address(ctx: HandlerContext) -> str:
    """An address the request asks to add, other than the sender's and ours ("please add jo@...")."""
    ours = {
        _base(a)
        for a in (ctx.settings.smtp.from_address, ctx.settings.smtp.reply_to, ctx.settings.network.shared_address)
    }
    sender = ctx.mail.from_addr.lower()
    for candidate in _ADDRESS.findall(f"{ctx.mail.subject}\n{body_start(ctx.mail.text)}"):
        address = candidate.lower().rstrip(".")
        if address != sender and _base(address) not in ours:
            return address
    return ""


def _base(address: str) -> str:
    """bulletin+confirm-x@example.org -> bulletin@example.org"""
    local, _, domain = address.lower().partition("@")
    return f"{local.split('+')[0]}@{domain}"


class SubscribeHandler:
    name = "subscribe"
    description = "A join request: record a pending subscriber and send the confirmation to the address to be added."

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        allowed, why = may_auto_reply(ctx.settings, ctx.mail)
        if not allowed:
            return HandlerResult("ignored", f"join request not answered: {why}")
        target = named_address(ctx) or ctx.mail.from_addr
        name = ctx.mail.from_name if target == ctx.mail.from_addr.lower() else ""
        list_name = str(ctx.options.get("list", ctx.settings.lists.default_list))
        try:
            outcome = request_join(
                ctx.session,
                ctx.settings,
                target,
                list_name,
                name=name,
                requested_by=ctx.mail.from_addr,
                source=ctx.record,
            )
        except InvalidInput as exc:
            if list_name not in ctx.settings.lists.names:  # our rule names a list we do not have: a person fixes it
                return HandlerResult("held", f"join request: {exc}")
            return HandlerResult("held", f"join request: {exc}{_not_an_address(ctx, target)}")
        except ConfigError as exc:  # no token secret yet: keep the request for when there is one
            raise HoldMessage(f"join request kept: {exc}") from None  # undoes anything half-done
        if target.lower() != ctx.mail.from_addr.lower():
            told = _asked_for_someone(ctx, target)
        elif not outcome.done:
            told = _nothing_sent(ctx, outcome, list_name)
        else:
            told = ""  # the confirmation itself is the answer
        return HandlerResult(
            "processed" if outcome.done else "ignored", outcome.reason + told, {"address": target, "list": list_name}
        )


def _nothing_sent(ctx: HandlerContext, outcome: Outcome, list_name: str) -> str:
    """The sender asked for their own address and no confirmation went: say why."""
    short = ctx.settings.network.short_name
    sender = ctx.mail.from_addr.lower()
    if "already on the" in outcome.reason:
        said = [f"{sender} is already on the {short} Bulletin's {list_name} list: there is nothing more to do."]
    elif "less than a day ago" in outcome.reason:
        sent = courtesy.last_sent(ctx.session, sender, "confirm")
        at = f" at {courtesy.when(ctx.settings, sent)}" if sent else " earlier today"
        said = [
            f"We sent a message to {sender}{at} asking you to confirm that you want to join.",
            "Please reply to that message (a plain reply is enough). If you cannot find it, look in your junk "
            "or quarantine folder; you can ask again tomorrow.",
        ]
    else:  # over a limit or suppressed: nothing is sent today, and a note would only add to it
        return ""
    return _note(ctx, said)


def _asked_for_someone(ctx: HandlerContext, target: str) -> str:
    """A request naming another address: the same words whatever we did, so nothing is revealed about it."""
    short = ctx.settings.network.short_name
    said = [
        f"You asked us to add {target} to the {short} Bulletin.",
        "",
        "Nobody is added without confirming from their own address, so if that address is not on the list "
        "already, a message asking them to confirm goes to it (at most one a day). For their privacy we do not "
        "say whether an address is on the list.",
        "To join yourself, reply to this message with the word subscribe.",
    ]
    return _note(ctx, said)


def _not_an_address(ctx: HandlerContext, target: str) -> str:
    shown = " ".join(target.split())[:120]
    said = [
        f'We could not read "{shown}" as an email address, so nobody was added.',
        "Please write again with the address to add on its own line, for example: subscribe name@example.nhs.uk",
    ]
    return _note(ctx, said)


def _note(ctx: HandlerContext, said: list[str]) -> str:
    short = ctx.settings.network.short_name
    lines = [f"Thank you for your request to join the {short} Bulletin.", "", *said]
    subject = f"Your request to join the {short} Bulletin"
    return courtesy.once_a_day(ctx.session, ctx.settings, ctx.mail, ctx.record, JOIN_NOTE, subject, lines)
