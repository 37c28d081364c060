"""Send an approved bulletin to its lists: one personalised copy per subscriber, never two.

Each audience was rendered once when the bulletin was approved (CSS inlined
then); here each copy is queued as a row with its VERP envelope sender, and the
outbox fills it in by substitution (recipient, unsubscribe address and link)
when it writes the file (pipeline/mailing/copies.py). The
`outgoing` table's unique (bulletin_id, recipient) means a second send of the
same bulletin queues only those not queued before; queuing is one transaction,
so a kill leaves either every copy queued or none. Sending then goes through
the outbox (pipeline/mailing/delivery.py, then pipeline/outbound/sender.py), where
each delivery is recorded once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.utils import make_msgid
from typing import Any, cast

from sqlalchemy import CursorResult, func, insert, select, update
from sqlalchemy.orm import Session

from pipeline.compose import domain_of
from pipeline.config import Settings
from pipeline.errors import InvalidInput, NotFound, WrongState
from pipeline.mailing.delivery import deliver_due
from pipeline.outbound.bulletin.approval import held_back
from pipeline.outbound.bulletin.content import AUDIENCES
from pipeline.outbound.bulletin.drafts import (
    approve_bulletin,
    audience_item_counts,
    frozen_rendition,
    mark_bulletin_sent,
)
from pipeline.people.subscribers.erasure import sent_before
from pipeline.people.subscribers.joining import bounce_address
from pipeline.people.subscribers.registry import recipient_pages, recipients_exist
from pipeline.store.db import transaction
from pipeline.store.models import Bulletin, Outgoing, utcnow

QUEUE_PAGE = 1000  # subscribers read, and copies inserted, at a time


@dataclass
class BulletinSendSummary:
    bulletin_id: int
    lists: list[str]
    dry_run: bool
    queued: dict[str, int] = field(default_factory=dict)  # audience -> new copies queued (or that would be)
    already_queued: int = 0  # copies queued by an earlier send of this bulletin
    sent: int = 0
    deferred: int = 0
    failed: int = 0
    stopped: str = ""
    paused: dict[str, str] = field(default_factory=dict)  # route at its 24-hour cap -> when it resumes

    def as_dict(self) -> dict:
        return dict(vars(self))


def resolve_lists(choice: str | Sequence[str] | None) -> list[str]:
    """ "all" / None -> every audience; else the named ones, each checked."""
    if choice is None or choice == "all" or choice == ("all",):
        return list(AUDIENCES)
    names = [choice] if isinstance(choice, str) else list(choice)
    unknown = [n for n in names if n not in AUDIENCES]
    if unknown:
        raise InvalidInput(f"unknown list {unknown[0]!r}; use one of: {', '.join(AUDIENCES)}, all")
    return names


def send_bulletin(
    settings: Settings,
    bulletin_id: int,
    lists: str | Sequence[str] | None = None,
    *,
    dry_run: bool = False,
    flush: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BulletinSendSummary:
    """Queue a copy of approved bulletin `bulletin_id` for every active subscriber of `lists`.

    With `flush`, also send everything due now (progress(n) after each message).
    The scheduler calls this as send_bulletin(settings, bulletin_id): queue only.
    """
    summary = queue_bulletin(settings, bulletin_id, lists, dry_run=dry_run)
    if flush and not dry_run:
        flush_outbox(settings, summary, progress)
    return summary


def queue_bulletin(
    settings: Settings, bulletin_id: int, lists: str | Sequence[str] | None = None, *, dry_run: bool = False
) -> BulletinSendSummary:
    """The queuing half of `send_bulletin`, in one transaction (nothing written on a dry run).

    A queued copy is a row naming its subscriber and audience, without its bytes:
    the outbox fills it in from the frozen rendition when it spools it
    (pipeline/mailing/copies.py). Subscribers are read a page at a time as plain
    rows, so a list of 50,000 costs little more memory than a list of 1,000.
    """
    names = resolve_lists(lists)
    summary = BulletinSendSummary(bulletin_id, names, dry_run)
    with transaction(settings.database.url, readonly=dry_run) as session:
        # The row lock makes a second `send` of this bulletin wait, then find every copy queued.
        bulletin = session.get(Bulletin, bulletin_id, with_for_update=not dry_run)
        if bulletin is None:
            raise NotFound(f"no bulletin {bulletin_id}; see `mln bulletin list`")
        if bulletin.status == "draft":
            raise WrongState(f"bulletin {bulletin_id} is a draft; approve it first: mln bulletin approve {bulletin_id}")
        if bulletin.status == "cancelled":
            raise WrongState(
                f"bulletin {bulletin_id} was cancelled ({bulletin.cancel_reason}); it is not sent again. "
                "Draft a new issue instead: mln bulletin draft"
            )
        done = set(session.scalars(select(Outgoing.recipient).where(Outgoing.bulletin_id == bulletin_id)))
        summary.already_queued = len(done)
        had_it = sent_before(done)  # also someone forgotten since (their copy kept under a hash) who rejoined
        seen: set[int] = set()  # someone on several lists gets the first list's version, once
        for audience in names:
            subject = ""
            for page in recipient_pages(session, [audience], QUEUE_PAGE):
                fresh = [r for r in page if r.id not in seen and not had_it(r.email)]
                seen.update(r.id for r in page)
                done.update(r.email for r in fresh)
                if not fresh:
                    continue
                summary.queued[audience] = summary.queued.get(audience, 0) + len(fresh)
                if not dry_run:
                    subject = subject or frozen_rendition(session, bulletin_id, audience).subject
                    session.execute(
                        insert(Outgoing), [_copy_row(settings, bulletin_id, audience, subject, r) for r in fresh]
                    )
        if not dry_run:
            mark_bulletin_sent(session, bulletin_id)
            session.flush()
    return summary


def _copy_row(settings: Settings, bulletin_id: int, audience: str, subject: str, subscriber: Any) -> dict[str, Any]:
    return dict(
        kind="bulletin",
        recipient=subscriber.email.lower(),
        envelope_from=bounce_address(settings, subscriber.id),
        subject=subject,
        message_id=make_msgid(domain=domain_of(settings.smtp.from_address)),
        raw=None,
        bulletin_id=bulletin_id,
        subscriber_id=subscriber.id,
        audience=audience,
        status="queued",
    )


def flush_outbox(
    settings: Settings, summary: BulletinSendSummary, progress: Callable[[int], None] | None = None
) -> None:
    """Send everything due in the outbox now, and add what happened to `summary`."""
    report = deliver_due(settings, progress=progress)
    summary.sent, summary.deferred, summary.failed, summary.stopped = (
        report.sent,
        report.deferred,
        report.failed,
        report.stopped,
    )
    summary.paused = {name: at.isoformat(timespec="minutes") for name, at in report.paused.items()}


# -- the guards around a send: approve, plan the scheduled send, cancel -------------------


def receiving_audiences(session: Session) -> list[str]:
    """The audiences a send would reach now; every audience while no list has a subscriber yet
    (someone may join before the send)."""
    names = [a for a in AUDIENCES if recipients_exist(session, [a])]
    return names or list(AUDIENCES)


def approve_for_sending(
    settings: Settings, bulletin_id: int, by: str = "", *, force_reason: str = "", today: dt.date | None = None
) -> dict[str, Any]:
    """Approve a draft, refusing (ApprovalRefused) an edition that is early or empty for a list
    with subscribers, unless `force_reason`; the summary says when it will go."""
    summary = approve_bulletin(
        settings, bulletin_id, by, force_reason=force_reason, receiving=receiving_audiences, today=today
    )
    summary["goes"] = (
        "at the next `mln worker` check or `mln schedule run`"
        if settings.schedule.send_approved or settings.schedule.auto_send
        else f"when you run: mln bulletin send {bulletin_id}"
    )
    return summary


def scheduled_lists(settings: Settings, bulletin_id: int) -> tuple[list[str], dict[str, str]]:
    """The audiences a scheduled send may queue, and why each other one is skipped:
    a scheduled send never sends an edition with no items, even one approved with --force."""
    with transaction(settings.database.url, readonly=True) as session:
        if held_back(settings, session.get_one(Bulletin, bulletin_id)):  # an approver or its send-at time
            return [], {}
        counts = audience_item_counts(session, settings, bulletin_id)
    skipped = {a: f"the {a} edition of bulletin {bulletin_id} has no items" for a, n in counts.items() if not n}
    return [a for a in AUDIENCES if a not in skipped], skipped


@dataclass
class CancelSummary:
    bulletin_id: int
    reason: str
    sent: int = 0  # copies already accepted by the server: they stay recorded
    stopped: int = 0  # queued copies that will now never be sent
    in_flight: int = 0  # of those stopped, copies a sender held at that moment (may still show as sent)
    failed: int = 0

    def as_dict(self) -> dict:
        return dict(vars(self))


def cancel_bulletin(settings: Settings, bulletin_id: int, reason: str, by: str = "") -> CancelSummary:
    """Stop an approved bulletin, before or during its send: every copy not yet sent is marked
    cancelled (never claimed again); copies already sent stay recorded."""
    if not reason.strip():
        raise InvalidInput("say why the bulletin is cancelled: --reason TEXT")
    summary = CancelSummary(bulletin_id, reason.strip())
    with transaction(settings.database.url) as session:
        bulletin = session.get(Bulletin, bulletin_id, with_for_update=True)
        if bulletin is None:
            raise NotFound(f"no bulletin {bulletin_id}; see `mln bulletin list`")
        if bulletin.status in ("draft", "cancelled"):
            raise WrongState(f"bulletin {bulletin_id} is {bulletin.status}: nothing is waiting to be sent")
        ours = (Outgoing.bulletin_id == bulletin_id) & (Outgoing.status == "queued")
        summary.in_flight = (
            session.scalar(select(func.count()).select_from(Outgoing).where(ours, Outgoing.claimed_until > utcnow()))
            or 0
        )
        note = f"cancelled by {by or 'someone'}: {summary.reason}"
        stopped = session.execute(update(Outgoing).where(ours).values(status="cancelled", last_error=note))
        summary.stopped = cast(CursorResult, stopped).rowcount
        counts = dict(
            session.execute(
                select(Outgoing.status, func.count())
                .where(Outgoing.bulletin_id == bulletin_id)
                .group_by(Outgoing.status)
            ).all()
        )
        summary.sent, summary.failed = counts.get("sent", 0), counts.get("failed", 0)
        bulletin.status, bulletin.cancelled_at, bulletin.cancel_reason = "cancelled", utcnow(), note
    return summary
