"""subscribe: a join request by email creates a pending subscriber and asks that address to confirm."""

from __future__ import annotations

import re

from pipeline.compose import may_auto_reply
from pipeline.errors import ConfigError, HoldMessage, InvalidInput
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.mail import body_start
from pipeline.people.subscribers import request_join

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
            return HandlerResult("held", f"join request: {exc}")
        except ConfigError as exc:  # no token secret yet: keep the request for when there is one
            raise HoldMessage(f"join request kept: {exc}") from None  # undoes anything half-done
        return HandlerResult(
            "processed" if outcome.done else "ignored", outcome.reason, {"address": target, "list": list_name}
        )
