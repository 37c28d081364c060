"""Bulletin drafts in the database: draft, list, preview, approve (and the frozen copy for sending).

A draft stores which submissions it carries and renders them live, so edits to
a submission or the introduction show in the next preview. Approval renders
every audience once, stores the HTML and text, and snapshots each item: what
is sent afterwards never changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.errors import ApprovalRefused, NotFound, WrongState
from pipeline.localtime import months_per_issue, network_today
from pipeline.outbound.bulletin import approval, revisions, source
from pipeline.outbound.bulletin.approval import approval_problems
from pipeline.outbound.bulletin.audience import audience_counts, intros_for, site_urls
from pipeline.outbound.bulletin.content import (
    AUDIENCES,
    BulletinContent,
    BulletinItem,
    check_audience,
    content_from_dict,
    content_to_dict,
)
from pipeline.outbound.bulletin.meeting_calendar import meetings_calendar
from pipeline.outbound.bulletin.meeting_diary import meetings_between
from pipeline.outbound.bulletin.meetings import Meeting, bulletin_window
from pipeline.outbound.bulletin.personalise import PREVIEW_VALUES
from pipeline.outbound.bulletin.previewing import mark_preview
from pipeline.outbound.bulletin.render import RenderedBulletin, render_all, render_bulletin
from pipeline.outbound.bulletin.summary import summarise
from pipeline.periods import Period, period_for
from pipeline.store.db import transaction
from pipeline.store.models import Bulletin, BulletinEntry, BulletinRendition, Outgoing, utcnow


def draft_bulletin(
    settings: Settings,
    period: Period | None = None,
    intro: str | None = None,
    today: dt.date | None = None,
    audience_intros: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Create or refresh the draft for `period` (default: the current one) from approved submissions.

    `intro` replaces the introduction when given, `audience_intros` one
    audience's own. The summary counts each audience's items (`audiences`).
    An approved or sent issue is never touched: WrongState.
    """
    today = today or network_today(settings)
    period = period or period_for(today, months_per_issue(settings))
    with transaction(settings.database.url) as session:
        bulletin = _bulletin_for_period(session, period) or _new_bulletin(session, period)
        if bulletin.status != "draft":
            raise WrongState(
                f"bulletin No. {bulletin.number} ({period.label}) is already {bulletin.status}; it cannot be redrafted"
            )
        if intro is not None:
            bulletin.intro = intro
        bulletin.audience_intros = {**(bulletin.audience_intros or {}), **(audience_intros or {})}
        bulletin.meetings_from = today
        _collect_entries(session, settings, bulletin, period)
        content = _content(session, settings, bulletin)
        bulletin.subject = content.subject
        bulletin.updated_at = utcnow()
        session.flush()
        return summarise(bulletin) | {"audiences": audience_counts(content)}


def list_bulletins(settings: Settings) -> list[dict[str, Any]]:
    """Every issue, newest first."""
    with transaction(settings.database.url, readonly=True) as session:
        rows = session.scalars(select(Bulletin).order_by(Bulletin.number.desc())).all()
        return [summarise(row) for row in rows]


def preview_bulletin(
    settings: Settings, bulletin_id: int, audience: str, fill_placeholders: bool = True
) -> RenderedBulletin:
    """What `audience` would receive: a draft rendered now, an approved issue as frozen.

    Per-recipient placeholders are filled with obvious sample values, a line
    at the top names the audience and each updated plan's changes since its
    last published revision follow (emptied boxes also as warnings), unless
    `fill_placeholders` is false.
    """
    check_audience(audience)
    with transaction(settings.database.url, readonly=True) as session:
        bulletin = _get(session, bulletin_id)
        if bulletin.status == "draft":
            rendered = render_bulletin(_content(session, settings, bulletin), audience, settings.templates_path)
        else:
            rendered = frozen_rendition(session, bulletin_id, audience)
        shown = _content(session, settings, bulletin).items_for(audience)
        carried = [e.submission_id for e in bulletin.entries]
        changes = revisions.changes_for(session, carried, {item.file_no for item in shown})
    return mark_preview(rendered, PREVIEW_VALUES, len(shown), changes) if fill_placeholders else rendered


def approve_bulletin(
    settings: Settings,
    bulletin_id: int,
    by: str = "",
    *,
    force_reason: str = "",
    receiving: Callable[[Session], Sequence[str]] | None = None,
    today: dt.date | None = None,
    send_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """Freeze a draft: render each audience once, store the HTML and text, snapshot each item.

    Refused (ApprovalRefused) when the period has not started, the edition
    has no items for an audience in `receiving(session)` (default: every
    audience) or holds items no longer approved, unless `force_reason` says why
    it should go anyway. An issue approved already but waiting for another
    approver ([bulletin] approvals) takes this one's approval.
    """
    with transaction(settings.database.url) as session:
        bulletin = _get(session, bulletin_id, lock=True)
        if approval.approvals_missing(settings, bulletin):
            approval.add_second_approval(settings, bulletin, by, send_at)
            return _approved_summary(settings, bulletin, 0, [])
        if bulletin.status != "draft":
            when = bulletin.approved_at.strftime("%Y-%m-%d %H:%M UTC") if bulletin.approved_at else "an earlier time"
            raise WrongState(
                f"bulletin {bulletin_id} is already {bulletin.status} (approved by {bulletin.approved_by or 'someone'} at {when})"
            )
        missed = _approved_since_draft(session, settings, bulletin)
        content = _content(session, settings, bulletin)
        audiences = receiving(session) if receiving else AUDIENCES
        stale = approval.not_approved_items(session, bulletin)
        problems = approval_problems(content, audiences, today or network_today(settings), stale)
        if problems and not force_reason.strip():
            raise ApprovalRefused(approval.refusal(bulletin, problems))
        _snapshot_entries(session, bulletin)
        bulletin.content = content_to_dict(content)
        bulletin.renditions = [_rendition(r) for r in render_all(content, settings.templates_path).values()]
        bulletin.subject = content.subject
        bulletin.status = "approved"
        bulletin.approved_at = utcnow()
        bulletin.approved_by = by
        bulletin.forced_reason = force_reason.strip() if problems else ""
        bulletin.approvals, bulletin.send_at = [], None
        approval.record_approval(bulletin, by, send_at)
        session.flush()
        return _approved_summary(settings, bulletin, missed, problems)


def _approved_summary(settings: Settings, bulletin: Bulletin, missed: int, problems: list[str]) -> dict[str, Any]:
    summary = summarise(bulletin) | approval.approval_fields(settings, bulletin)
    summary["warnings"] = {r.audience: list(r.warnings) for r in bulletin.renditions if r.warnings}
    summary["approved_after_draft"] = missed
    summary["overridden"] = problems
    return summary


def unapprove_bulletin(settings: Settings, bulletin_id: int) -> dict[str, Any]:
    """Return an approved issue to draft (live rendering again), if no copy of it was queued."""
    with transaction(settings.database.url) as session:
        bulletin = _get(session, bulletin_id, lock=True)
        queued = session.scalar(select(func.count()).select_from(Outgoing).where(Outgoing.bulletin_id == bulletin_id))
        if bulletin.status != "approved" or queued:
            raise WrongState(
                f"bulletin {bulletin_id} is {bulletin.status} and {queued} cop(ies) of it were queued; only an "
                f"approved issue not yet queued can go back to draft (to stop a send: mln bulletin cancel {bulletin_id})"
            )
        bulletin.status = "draft"
        bulletin.content = None
        bulletin.renditions = []
        bulletin.approved_at, bulletin.approved_by, bulletin.forced_reason = None, "", ""
        bulletin.approvals, bulletin.send_at = [], None
        for entry in bulletin.entries:
            entry.snapshot = None
        bulletin.updated_at = utcnow()
        session.flush()
        return summarise(bulletin)


def audience_item_counts(session: Session, settings: Settings, bulletin_id: int) -> dict[str, int]:
    """How many items each audience's edition carries (as frozen, for an approved issue)."""
    content = _content(session, settings, _get(session, bulletin_id))
    return {audience: len(content.items_for(audience)) for audience in AUDIENCES}


def set_intro(settings: Settings, bulletin_id: int, intro: str, audience: str | None = None) -> dict[str, Any]:
    """Replace a draft's introduction (or only `audience`'s own); the next preview shows it."""
    with transaction(settings.database.url) as session:
        bulletin = _get(session, bulletin_id, lock=True)
        if bulletin.status != "draft":
            raise WrongState(
                f"bulletin {bulletin_id} is already {bulletin.status}; its introduction can no longer change"
            )
        if audience is None:
            bulletin.intro = intro
        else:
            check_audience(audience)
            bulletin.audience_intros = {**(bulletin.audience_intros or {}), audience: intro}
        bulletin.updated_at = utcnow()
        return summarise(bulletin)


def frozen_rendition(session: Session, bulletin_id: int, audience: str) -> RenderedBulletin:
    """The stored HTML and text of an approved issue, placeholders unfilled (for the sender)."""
    row = session.scalars(
        select(BulletinRendition).where(
            BulletinRendition.bulletin_id == bulletin_id, BulletinRendition.audience == audience
        )
    ).one_or_none()
    if row is None:
        raise WrongState(
            f"bulletin {bulletin_id} has no approved {audience} version; approve it first: mln bulletin approve {bulletin_id}"
        )
    return RenderedBulletin(row.audience, row.subject, row.html, row.text, tuple(row.warnings or ()))


def edition_calendar(session: Session, settings: Settings, bulletin_id: int) -> bytes | None:
    """The issue's meetings as one .ics for its copies (None if it lists none); stamped with its approval."""
    bulletin = _get(session, bulletin_id)
    meetings = _content(session, settings, bulletin).meetings
    stamp = (bulletin.approved_at or utcnow()).replace(microsecond=0)
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)  # SQLite gives naive UTC
    return meetings_calendar(meetings, settings.network.shared_address, stamp) if meetings else None


def mark_bulletin_sent(session: Session, bulletin_id: int) -> None:
    """Record that sending finished (called by the sender inside its transaction)."""
    bulletin = _get(session, bulletin_id)
    if bulletin.status in ("draft", "cancelled"):
        raise WrongState(f"bulletin {bulletin_id} is {bulletin.status}; only an approved bulletin is sent")
    bulletin.status = "sent"
    bulletin.sent_at = bulletin.sent_at or utcnow()


def bulletin_content(settings: Settings, bulletin_id: int) -> BulletinContent:
    """The content an issue is (draft) or was (approved) rendered from."""
    with transaction(settings.database.url, readonly=True) as session:
        return _content(session, settings, _get(session, bulletin_id))


# -- inside one transaction ---------------------------------------------------


def _get(session: Session, bulletin_id: int, lock: bool = False) -> Bulletin:
    query = select(Bulletin).where(Bulletin.id == bulletin_id)
    if lock:
        # PostgreSQL: a second approver waits here, then sees "already approved".
        # SQLite: BEGIN IMMEDIATE in db.transaction() already serialises writers.
        query = query.with_for_update()
    bulletin = session.scalars(query).one_or_none()
    if bulletin is None:
        raise NotFound(f"no bulletin with id {bulletin_id}; see `mln bulletin list`")
    return bulletin


def _bulletin_for_period(session: Session, period: Period) -> Bulletin | None:
    return session.scalars(select(Bulletin).where(Bulletin.period_start == period.start)).one_or_none()


def _new_bulletin(session: Session, period: Period) -> Bulletin:
    number = (session.scalar(select(func.max(Bulletin.number))) or 0) + 1
    bulletin = Bulletin(number=number, period_start=period.start, period_months=period.months, status="draft")
    session.add(bulletin)
    try:
        session.flush()
    except IntegrityError:
        # Two drafts for the same period or number at once: the other one won.
        raise WrongState(
            f"another draft for {period.label} was created at the same moment; run the command again"
        ) from None
    return bulletin


def _period(bulletin: Bulletin) -> Period:
    return Period(bulletin.period_start, bulletin.period_months)


def _collect_entries(session: Session, settings: Settings, bulletin: Bulletin, period: Period) -> None:
    """The submissions approved in the period, plus late ones: approved during the
    previous period but carried by no issue (e.g. approved after it was sent)."""
    previous = Period(_months_before(period), period.months)
    since, _ = source.period_bounds(previous, settings.network.timezone)
    _, until = source.period_bounds(period, settings.network.timezone)
    rows = source.approved_submissions(session, since, until, exclude_ids=_carried_elsewhere(session, bulletin.id))
    # Remove the old entries first: re-adding a submission before the delete is flushed would break uniqueness.
    bulletin.entries.clear()
    session.flush()
    bulletin.entries.extend(
        [
            BulletinEntry(submission_id=row.id, file_no=row.file_no or "", is_update=is_update, position=n)
            for n, (row, is_update) in enumerate(source.latest_per_file_no(rows))
        ]
    )


def _approved_since_draft(session: Session, settings: Settings, bulletin: Bulletin) -> int:
    """Items of the period approved after the draft was last collected (so not in it)."""
    period = _period(bulletin)
    since, until = source.period_bounds(period, settings.network.timezone)
    carried = _carried_elsewhere(session, bulletin.id) | {e.submission_id for e in bulletin.entries}
    return len(source.approved_submissions(session, since, until, exclude_ids=carried))


def _months_before(period: Period) -> dt.date:
    index = period.start.year * 12 + period.start.month - 1 - period.months
    return dt.date(index // 12, index % 12 + 1, 1)


def _carried_elsewhere(session: Session, bulletin_id: int) -> set[int]:
    query = select(BulletinEntry.submission_id).where(BulletinEntry.bulletin_id != bulletin_id)
    return set(session.scalars(query))


def _content(session: Session, settings: Settings, bulletin: Bulletin) -> BulletinContent:
    if bulletin.status != "draft" and bulletin.content:
        return content_from_dict(bulletin.content)
    rows = source.submissions_by_id(session, [e.submission_id for e in bulletin.entries])
    items = tuple(
        source.item_from_submission(rows[e.submission_id], e.is_update)
        for e in bulletin.entries
        if e.submission_id in rows
    )
    window = bulletin_window(_period(bulletin), bulletin.meetings_from)
    return build_content(settings, bulletin, items, meetings_between(session, settings, *window))


def build_content(
    settings: Settings, bulletin: Bulletin, items: tuple[BulletinItem, ...], meetings: tuple[Meeting, ...] = ()
) -> BulletinContent:
    network = settings.network
    return BulletinContent(
        network_name=network.name,
        number=bulletin.number,
        period=_period(bulletin),
        items=items,
        themes=network.themes,
        meetings=meetings,
        intro_markdown=bulletin.intro or "",
        audience_intros=intros_for(settings, bulletin.intro or "", bulletin.audience_intros or {}),
        site_urls=site_urls(settings),
        short_name=network.short_name,
        shared_address=network.shared_address,
        organisation_line=network.organisation_line,
        # The web endpoint (issue 6) may add a [web] base_url; without one there is no one-click link.
        base_url=getattr(getattr(settings, "web", None), "base_url", "") or "",
    )


def _snapshot_entries(session: Session, bulletin: Bulletin) -> None:
    rows = source.submissions_by_id(session, [e.submission_id for e in bulletin.entries])
    for entry in bulletin.entries:
        if entry.submission_id in rows:
            entry.snapshot = source.item_from_submission(rows[entry.submission_id], entry.is_update).to_dict()


def _rendition(rendered: RenderedBulletin) -> BulletinRendition:
    return BulletinRendition(
        audience=rendered.audience,
        subject=rendered.subject,
        html=rendered.html,
        text=rendered.text,
        html_bytes=rendered.html_bytes,
        warnings=list(rendered.warnings),
    )


__all__ = [
    "approval_problems",
    "approve_bulletin",
    "audience_item_counts",
    "bulletin_content",
    "draft_bulletin",
    "edition_calendar",
    "frozen_rendition",
    "list_bulletins",
    "mark_bulletin_sent",
    "preview_bulletin",
    "set_intro",
    "unapprove_bulletin",
]
