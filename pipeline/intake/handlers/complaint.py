"""complaint: a spam report (ARF feedback report) unsubscribes and suppresses the reader.

Anyone can write a feedback report, so, as for bounces, the reader must be proved, not
merely named: by our unsubscribe token in the reported copy's List-Unsubscribe, by our
VERP token in its Return-Path, or by its Message-ID being that of a copy we sent (to an
address the report names, when it names any: providers often redact it). A report that
names a subscriber without proof is held for the communications lead. Each complaint is
counted against the edition it reports (`mln subscribers complaints`).
"""

from __future__ import annotations

from sqlalchemy import select

from pipeline.compose import domain_of
from pipeline.errors import ConfigError, HoldMessage
from pipeline.intake.complaints import FeedbackReport, read_feedback_report
from pipeline.intake.handlers.base import HandlerContext, HandlerResult
from pipeline.people.subscribers import InvalidToken, find, read_token, record_complaint
from pipeline.store.models import Outgoing, Subscriber


class ComplaintHandler:
    name = "complaint"
    description = "A reader reported our mail as spam: they leave at once, go on the suppression list, and are counted."

    def handle(self, ctx: HandlerContext) -> HandlerResult:
        report = read_feedback_report(ctx.mail.raw, domain_of(ctx.settings.smtp.from_address))
        if report.feedback_type and report.feedback_type not in ("abuse", "fraud", "virus", "other", "not-spam"):
            return HandlerResult("ignored", f"feedback report of type {report.feedback_type!r}: not a complaint")
        if report.feedback_type == "not-spam":
            return HandlerResult("ignored", "a not-spam report: nothing to do")
        subscriber, bulletin_id, how = proven_reader(ctx, report)
        if subscriber is None:
            return _unproven(ctx, report, how)
        complaint, outcome = record_complaint(
            ctx.session,
            subscriber,
            bulletin_id=bulletin_id,
            feedback_type=report.feedback_type or "abuse",
            reporter=report.user_agent or report.reporter,
            message=ctx.record,
        )
        left = "unsubscribed and suppressed" if outcome.done else "already left; suppressed"
        edition = f"edition {bulletin_id}" if bulletin_id is not None else "no edition"
        return HandlerResult(
            "processed",
            f"complaint from {report.reporter or 'a provider'} about {subscriber.email} ({edition}, proved by {how}): {left}",
            {"subscriber": subscriber.email, "complaint": complaint},
        )


def _unproven(ctx: HandlerContext, report: FeedbackReport, why: str) -> HandlerResult:
    named = [s.email for s in (find(ctx.session, a) for a in report.recipients) if s is not None]
    if named:
        return HandlerResult(
            "held",
            f"complaint names {', '.join(named)} but {why}; anyone can write a feedback report: "
            "if it is real, unsubscribe them with `mln subscribers remove`",
            {"unproven": named},
        )
    return HandlerResult("ignored", f"feedback report about none of our subscribers ({why})")


def proven_reader(ctx: HandlerContext, report: FeedbackReport) -> tuple[Subscriber | None, int | None, str]:
    """(subscriber, edition, how it was proved), or (None, None, why not)."""
    try:
        for purpose, token in (("unsubscribe", report.unsubscribe_token), ("bounce", report.bounce_token)):
            if token:
                subscriber = _by_token(ctx, purpose, token)
                if subscriber is not None:
                    return subscriber, _edition_of(ctx, report, subscriber), f"our {purpose} token"
    except ConfigError as exc:  # no token secret configured: keep it until there is one
        raise HoldMessage(f"complaint kept: {exc}") from None
    if report.original_message_id:
        row = ctx.session.scalars(
            select(Outgoing).where(
                Outgoing.message_id == report.original_message_id, Outgoing.subscriber_id.is_not(None)
            )
        ).first()
        if row is not None and (not report.recipients or row.recipient in report.recipients):
            subscriber = ctx.session.get(Subscriber, row.subscriber_id)
            if subscriber is not None:
                return subscriber, row.bulletin_id, "the Message-ID of a copy we sent"
    return None, None, "it carries no token of ours and quotes no Message-ID we sent to that address"


def _by_token(ctx: HandlerContext, purpose: str, token: str) -> Subscriber | None:
    try:
        found = read_token(ctx.settings, token, purpose)
    except InvalidToken:
        return None
    return ctx.session.get(Subscriber, found.subscriber_id)


def _edition_of(ctx: HandlerContext, report: FeedbackReport, subscriber: Subscriber) -> int | None:
    if not report.original_message_id:
        return None  # record_complaint takes the latest edition sent to them
    return ctx.session.scalar(
        select(Outgoing.bulletin_id).where(
            Outgoing.message_id == report.original_message_id, Outgoing.subscriber_id == subscriber.id
        )
    )
