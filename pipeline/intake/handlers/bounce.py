"""bounce: a permanent delivery failure counts against the subscriber it proves it is about.

A failure that says the mailbox is gone (5.1.1 user unknown and the like) disables the
address at once; any other permanent failure counts one failed edition, and
`bounces.soft_editions` in a row disable it (pipeline/people/subscribers/bounces.py).

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
from pipeline.intake.bounces import BounceReport, find_bounced_addresses, is_delivery_report
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.people.subscribers import (
    InvalidToken,
    find,
    latest_edition_sent,
    read_token,
    record_bounce,
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
        if not report.permanent and not (ctx.mail.looks_like_bounce or is_delivery_report(ctx.mail)):
            # Out-of-office replies go to the envelope sender (RFC 3834), which is our VERP address:
            # only a server's failure notice counts there, never a person's or an autoresponder's reply.
            return HandlerResult("ignored", "a reply to our bounce address that reports no failure: nothing to do")
        hit, unproven = proven_subscribers(ctx, report)
        if hit:
            return _count(ctx, report, hit)
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


def _count(ctx: HandlerContext, report: BounceReport, hit: list[Subscriber]) -> HandlerResult:
    source = f"bounce message {ctx.mail.message_id or ctx.record.id}"
    said = []
    for subscriber in hit:
        hard = report.is_hard_for(subscriber.email)
        status = report.statuses.get(subscriber.email, "")
        words = report.diagnostics.get(subscriber.email, "") or (
            "; ".join(sorted(report.permanent)) or "no address named"
        )
        result = record_bounce(
            ctx.session,
            ctx.settings,
            subscriber,
            hard=hard,
            source="bounce",
            bulletin_id=_edition(ctx, report, subscriber),
            status=status,
            detail=f"{words} ({source})",
        )
        what = "mailbox gone" if hard else f"{result.score} edition(s) in a row failed"
        state = " (disabled)" if result.disabled else ""
        again = "" if result.counted else ", this edition already counted"
        said.append(f"{subscriber.email}: {what}{' ' + status if status else ''}{state}{again}")
    return HandlerResult("processed", "bounce: " + "; ".join(said), {"subscribers": [s.email for s in hit]})


def _edition(ctx: HandlerContext, report: BounceReport, subscriber: Subscriber) -> int | None:
    """The bulletin the failed copy belonged to: the one it quotes, else the latest sent to them."""
    if report.quoted_message_ids:
        quoted = ctx.session.scalar(
            select(Outgoing.bulletin_id).where(
                Outgoing.message_id.in_(sorted(report.quoted_message_ids)),
                Outgoing.subscriber_id == subscriber.id,
                Outgoing.bulletin_id.is_not(None),
            )
        )
        if quoted is not None:
            return quoted
    return latest_edition_sent(ctx.session, subscriber.id)


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
