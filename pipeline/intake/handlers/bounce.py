"""bounce: a permanent delivery failure counts against the subscriber it names.

The subscriber is found by our VERP token (bulletin+bounce-TOKEN@..., the
envelope sender of every bulletin copy), else by the failing addresses
flufl.bounce finds in the message. Temporary failures change nothing.
"""
from __future__ import annotations

from pipeline.intake.bounces import BounceReport, find_bounced_addresses
from pipeline.compose import domain_of
from pipeline.errors import ConfigError, HoldMessage
from pipeline.store.models import Subscriber
from pipeline.people.subscribers import InvalidToken, find, read_token, record_hard_bounce
from pipeline.intake.handlers.base import HandlerContext, HandlerResult


class BounceHandler:
    name = "bounce"
    description = "Count a permanent delivery failure against its subscriber; ignore temporary ones."

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        report = find_bounced_addresses(ctx.mail.raw, domain_of(ctx.settings.smtp.from_address))
        if not report.found_anything:
            why = f" ({report.error})" if report.error else ""
            raise HoldMessage(f"looks like a bounce but names no address or token we can act on{why}")
        if not report.is_permanent:
            failing = ", ".join(sorted(report.temporary)) or "a recipient"
            return HandlerResult("ignored", f"temporary failure for {failing}: nothing to do")
        hit = bounced_subscribers(ctx, report)
        if not hit:
            named = ", ".join(sorted(report.permanent)) or "an unknown address"
            return HandlerResult("ignored", f"permanent failure for {named}, not a subscriber")
        detail = f"bounce message {ctx.mail.message_id or ctx.record.id}"
        scores = []
        for subscriber in hit:
            result = record_hard_bounce(ctx.session, ctx.settings, subscriber, source="bounce", detail=detail)
            scores.append(f"{subscriber.email}: score {result.score}{' (disabled)' if result.disabled else ''}"
                          f"{'' if result.counted else ' (already counted today)'}")
        return HandlerResult("processed", "hard bounce: " + "; ".join(scores), {"subscribers": [s.email for s in hit]})


def bounced_subscribers(ctx: HandlerContext, report: BounceReport) -> list[Subscriber]:
    """The subscribers a permanent bounce is about: by VERP token first, else by address."""
    if report.verp_token:
        try:
            token = read_token(ctx.settings, report.verp_token, "bounce")
        except ConfigError as exc:  # no token secret configured: keep it until there is one
            raise HoldMessage(f"bounce kept: {exc}") from None
        except InvalidToken:
            token = None  # a mangled or foreign token: fall back to the addresses
        if token is not None:
            subscriber = ctx.session.get(Subscriber, token.subscriber_id)
            return [subscriber] if subscriber is not None else []
    found = [find(ctx.session, address) for address in sorted(report.permanent)]
    return [s for s in found if s is not None]
