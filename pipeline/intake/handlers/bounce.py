"""bounce: a permanent delivery failure counts against the subscriber it proves it is about.

Anyone can write a delivery report, so naming an address proves nothing. A bounce counts
only with our VERP token (bulletin+bounce-TOKEN@..., the envelope sender of every bulletin
copy), or, without a usable token, when it quotes the Message-ID of a message we sent to
the address that failed. A bounce that names a subscriber but proves neither is held for
the communications lead (`mln messages --outcome held`) and scores nobody. Temporary
failures change nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from pipeline.compose import domain_of
from pipeline.errors import ConfigError, HoldMessage
from pipeline.intake.bounces import BounceReport, find_bounced_addresses
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.people.subscribers import (
    InvalidToken,
    find,
    read_token,
    record_hard_bounce,
)
from pipeline.store.models import Outgoing, Subscriber


class BounceHandler:
    name = "bounce"
    description = (
        "Count a proven permanent delivery failure against its subscriber; hold unproven ones, ignore temporary ones."
    )

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        report = find_bounced_addresses(ctx.mail.raw, domain_of(ctx.settings.smtp.from_address))
        if not report.found_anything:
            why = f" ({report.error})" if report.error else ""
            raise HoldMessage(f"looks like a bounce but names no address or token we can act on{why}")
        if not report.is_permanent:
            failing = ", ".join(sorted(report.temporary)) or "a recipient"
            return HandlerResult("ignored", f"temporary failure for {failing}: nothing to do")
        hit, unproven = proven_subscribers(ctx, report)
        if hit:
            return _score(ctx, hit)
        named = [s for s in (find(ctx.session, a) for a in sorted(report.permanent)) if s is not None]
        if named:
            emails = ", ".join(s.email for s in named)
            return HandlerResult(
                "held",
                f"permanent failure for {emails} not counted: {unproven}. "
                "Anyone can write a bounce; if this one is real, look at the address",
                {"unproven": [s.email for s in named]},
            )
        named_text = ", ".join(sorted(report.permanent)) or "an unknown address"
        return HandlerResult("ignored", f"permanent failure for {named_text}, not a subscriber")


def _score(ctx: HandlerContext, hit: list[Subscriber]) -> HandlerResult:
    detail = f"bounce message {ctx.mail.message_id or ctx.record.id}"
    scores = []
    for subscriber in hit:
        result = record_hard_bounce(ctx.session, ctx.settings, subscriber, source="bounce", detail=detail)
        scores.append(
            f"{subscriber.email}: score {result.score}{' (disabled)' if result.disabled else ''}"
            f"{'' if result.counted else ' (already counted today)'}"
        )
    return HandlerResult("processed", "hard bounce: " + "; ".join(scores), {"subscribers": [s.email for s in hit]})


def proven_subscribers(ctx: HandlerContext, report: BounceReport) -> tuple[list[Subscriber], str]:
    """The subscribers a permanent bounce proves it is about, and if none, why not.

    Proof is our signed VERP token, else a quoted Message-ID of a copy we sent to a
    failing address. Never the addresses alone.
    """
    why = "it carries no bounce token of ours"
    if report.verp_token:
        try:
            token = read_token(ctx.settings, report.verp_token, "bounce")
        except ConfigError as exc:  # no token secret configured: keep it until there is one
            raise HoldMessage(f"bounce kept: {exc}") from None
        except InvalidToken as exc:
            why = f"its bounce token was refused ({exc.reason})"
        else:
            subscriber = ctx.session.get(Subscriber, token.subscriber_id)
            return ([subscriber] if subscriber is not None else []), "the subscriber its token names is gone"
    return sent_to_failing(ctx, report), why + " and it quotes no Message-ID we sent to that address"


def sent_to_failing(ctx: HandlerContext, report: BounceReport) -> list[Subscriber]:
    """Subscribers to whom we sent a message the bounce quotes, at an address it says failed."""
    if not report.quoted_message_ids or not report.permanent:
        return []
    ids = ctx.session.scalars(
        select(Outgoing.subscriber_id)
        .where(
            Outgoing.message_id.in_(sorted(report.quoted_message_ids)),
            Outgoing.recipient.in_(sorted(report.permanent)),
            Outgoing.subscriber_id.is_not(None),
            Outgoing.status == "sent",
        )
        .distinct()
    )
    found = [ctx.session.get(Subscriber, subscriber_id) for subscriber_id in ids]
    return [s for s in found if s is not None and s.email in report.permanent]
