"""What the static site shows, read from the database into plain frozen records.

Items are approved items (their latest approved revision, as the Information
Index shows them: pipeline/index_export.py makes the index rows); bulletins are
approved or sent issues with their frozen renditions. The external audience
sees only items whose latest approved revision says `share_externally = yes`
(True: a clear yes; a no, a box left blank or an unclear answer keeps it out).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from pipeline.index_export import IndexRow, index_rows
from pipeline.outbound.bulletin.content import check_audience
from pipeline.outbound.bulletin.intro import safe_link
from pipeline.periods import Period
from pipeline.store.models import Bulletin, BulletinRendition, Item, Submission
from pipeline.templates_io.dates import describe_date


@dataclass(frozen=True)
class Revision:
    number: int
    received: dt.date | None
    approved: dt.date | None
    file_updated: str  # the form's "file updated" date, as precise as the member gave it
    status: str
    title: str
    is_update: bool


@dataclass(frozen=True)
class SiteItem:
    row: IndexRow  # File No, title, theme, location, dates, completion, status: as the Information Index shows it
    theme_number: int
    region: str
    locality: str
    organisation: str
    organisation_type: str
    summary: str
    actions: str
    outcomes: str
    learning: str
    completion_note: str
    link: str  # "" unless safe to follow
    show_email: bool
    share_externally: bool
    sort_date: str  # ISO date: updated, else commenced, else approved
    revisions: tuple[Revision, ...]

    @property
    def file_no(self) -> str:
        return self.row.file_no


@dataclass(frozen=True)
class SiteBulletin:
    number: int
    subject: str
    period_label: str
    html: str  # the audience's frozen rendition, placeholders unfilled
    published: dt.datetime
    new_count: int
    update_count: int


def load_items(session: Session, audience: str) -> list[SiteItem]:
    """Every approved item the audience may see, in theme order then File No."""
    check_audience(audience)
    approved = _approved_by_file_no(session)
    items = []
    for row in index_rows(session):
        revisions = approved.get(row.file_no)
        if not revisions:
            continue
        latest = revisions[-1]
        if audience == "external" and latest.share_externally is not True:
            continue
        items.append(_site_item(row, latest, revisions, audience))
    return items


def _approved_by_file_no(session: Session) -> dict[str, list[Submission]]:
    query = (
        select(Submission, Item.file_no)
        .join(Item, Submission.item_id == Item.id)
        .where(Submission.status == "approved")
        .order_by(Item.file_no, Submission.revision, Submission.id)
        .execution_options(yield_per=1000)
    )
    found: dict[str, list[Submission]] = defaultdict(list)
    for submission, file_no in session.execute(query):
        found[file_no].append(submission)
    return found


def _site_item(row: IndexRow, latest: Submission, revisions: list[Submission], audience: str) -> SiteItem:
    shared = latest.share_externally is True
    # External readers see an address only where the member agreed to share it (as the bulletin does).
    show_email = bool(row.lead_email) and (audience == "internal" or shared)
    if not show_email:
        row = _without_email(row)
    return SiteItem(
        row=row,
        theme_number=latest.theme_number or 0,
        region=latest.region or "",
        locality=latest.locality or "",
        organisation=latest.organisation or "",
        organisation_type=latest.organisation_type or "",
        summary=latest.summary or "",
        actions=latest.actions or "",
        outcomes=latest.outcomes or "",
        learning=latest.learning or "",
        completion_note=latest.completion_note or "",
        link=safe_link(latest.link or ""),
        show_email=show_email,
        share_externally=shared,
        sort_date=_sort_date(latest),
        revisions=tuple(_revision(r) for r in revisions),
    )


def _without_email(row: IndexRow) -> IndexRow:
    return IndexRow(**{**row.__dict__, "lead_email": ""})


def _sort_date(row: Submission) -> str:
    for value in (row.date_updated, row.date_commenced, _day(row.approved_at)):
        if value is not None:
            return value.isoformat()
    return ""


def _revision(row: Submission) -> Revision:
    updated = describe_date(row.date_updated, row.date_updated_precision or "month") if row.date_updated else ""
    return Revision(
        number=row.revision or 0,
        received=_day(row.received_at),
        approved=_day(row.approved_at),
        file_updated=updated,
        status=row.progress or "Planned",
        title=row.title or "",
        is_update=bool(row.is_update),
    )


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value is not None else None


def load_bulletins(session: Session, audience: str) -> list[SiteBulletin]:
    """Approved and sent issues, newest first, as the audience received them."""
    check_audience(audience)
    query = (
        select(Bulletin)
        .where(Bulletin.status.in_(("approved", "sent")))
        .options(
            selectinload(Bulletin.entries), selectinload(Bulletin.renditions).options(undefer(BulletinRendition.html))
        )
        .order_by(Bulletin.number.desc())
    )
    found = []
    for bulletin in session.scalars(query):
        rendition = next((r for r in bulletin.renditions if r.audience == audience), None)
        if rendition is None:
            continue
        entries = _entries_for(bulletin, audience)
        updates = sum(1 for e in entries if e.is_update)
        found.append(
            SiteBulletin(
                number=bulletin.number,
                subject=rendition.subject or bulletin.subject,
                period_label=_period_label(bulletin),
                html=rendition.html,
                published=bulletin.sent_at or bulletin.approved_at or bulletin.created_at,
                new_count=len(entries) - updates,
                update_count=updates,
            )
        )
    return found


def _entries_for(bulletin: Bulletin, audience: str) -> list:
    if audience == "internal":
        return list(bulletin.entries)
    return [e for e in bulletin.entries if (e.snapshot or {}).get("share_externally") is True]


def _period_label(bulletin: Bulletin) -> str:
    return Period(bulletin.period_start, bulletin.period_months).label
