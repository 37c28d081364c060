"""What the static site shows, read from the database into plain frozen records.

Items are approved items (their latest approved revision, as the Information
Index shows them: pipeline/index_export.py makes the index rows); bulletins are
approved or sent issues with their frozen renditions. The external audience
sees only items whose latest approved revision says `share_externally = yes`
(True: a clear yes; a no, a box left blank or an unclear answer keeps it out).

Items are read in two steps, through the read-only driver (pipeline/store/reader.py):
`scan_items` reads a few numbers of every approved revision (its id, revision and
change_count, which the database bumps on every UPDATE: store/triggers.py) and makes
of each item an `ItemStamp`: its File No, theme, region and its version (those numbers,
written out), which changes whenever anything a page shows of the item can have changed.
The builder compares versions with those its pages were made from, and `load_items`
then reads in full (typed, as the pages need them) only the items it must render.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, undefer

from pipeline.index_export import IndexRow, index_row
from pipeline.outbound.bulletin.content import check_audience
from pipeline.outbound.bulletin.intro import safe_link
from pipeline.periods import Period
from pipeline.store.models import Bulletin, BulletinRendition
from pipeline.store.reader import Reader, id_list
from pipeline.templates_io.dates import describe_date

# Every column of an approved revision that a page, an index row or the search index shows.
SHOWN = (
    "revision", "is_update", "title", "theme", "theme_number", "locality", "region", "organisation",
    "organisation_type", "lead_name", "lead_email", "progress", "date_commenced", "date_commenced_precision",
    "date_commenced_planned", "date_updated", "date_updated_precision", "completion_date",
    "completion_date_precision", "completion_note", "summary", "actions", "outcomes", "learning", "link",
    "share_externally", "received_at", "approved_at",
)  # fmt: skip
SEARCHED = ("title", "summary", "outcomes", "learning", "locality", "organisation")
# The searched words, then what the results list shows: what an item's search-index entry can take.
_SIZED = (*SEARCHED, "title", "locality", "region")
_ORDER = "ORDER BY s.item_id, s.revision, s.id"
_SCAN = (  # no ORDER BY: sorting every row costs more than the rest; in item and revision order once sorted
    "SELECT s.item_id, COALESCE(s.revision, 0), s.id, s.change_count, s.theme_number, s.region,"
    " CASE WHEN s.share_externally THEN 1 ELSE 0 END,"
    f" {' + '.join(f'length(s.{c})' for c in _SIZED)}"
    # Most revisions are approved ones: reading the table straight through beats finding each by the status index.
    " FROM submissions s WHERE (s.status || '') = 'approved' AND s.item_id IS NOT NULL"
)
_FILE_NOS = "SELECT id, file_no FROM items"
# By item (its index), not by status (whose index would read every approved row for each chunk of items).
_LOAD = (
    f"SELECT i.file_no, s.item_id, s.status, {', '.join(f's.{c}' for c in SHOWN)}"
    f" FROM submissions s JOIN items i ON i.id = s.item_id WHERE s.item_id IN (%s) {_ORDER}"
)
_CHUNK = 500
_DIGITS = re.compile(r"(\d+)")


class ItemStamp(NamedTuple):
    """One item as the scan sees it: enough to place it, and the version of everything its pages show."""

    file_no: str
    item_id: int
    theme_number: int
    region: str
    version: str  # its approved revisions' id.revision.change_count: changes whenever anything its pages show does
    size: int  # characters of its searched and listed text: what its search-index entry can take at most


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


def scan_items(reader: Reader, audience: str) -> list[ItemStamp]:
    """Every approved item the audience may see, in File No order, each with the version of what it shows."""
    check_audience(audience)
    file_nos = dict(reader.tuples(_FILE_NOS))
    rows = reader.tuples(_SCAN)
    rows.sort()  # by item, then revision (tuples, not dicts: a national index has hundreds of thousands)
    found = []
    for item_id, revisions in groupby(rows, itemgetter(0)):
        approved = list(revisions)
        _, _, _, _, theme_number, region, shared, size = approved[-1]
        if audience == "external" and not shared:
            continue
        # Everything an item's pages show comes from its approved revisions, and any change to one of
        # them moves its change_count (store/triggers.py): so these numbers stand for its pages.
        version = ",".join(f"{row_id}.{revision}.{changes}" for _, revision, row_id, changes, *_ in approved)
        found.append(ItemStamp(file_nos[item_id], item_id, theme_number or 0, region or "", version, size or 0))
    found.sort(key=lambda stamp: file_no_order(stamp.file_no))
    return found


def file_no_order(file_no: str) -> list:
    """File Nos as people count them: CH-2026-999 before CH-2026-1000."""
    parts: list = _DIGITS.split(file_no)  # text, number, text, number ... text
    parts[1::2] = map(int, parts[1::2])
    return parts


def load_items(reader: Reader, stamps: list[ItemStamp], audience: str) -> dict[str, SiteItem]:
    """The full records of the items `stamps` name, by File No."""
    check_audience(audience)
    ids = sorted({stamp.item_id for stamp in stamps})
    found: dict[str, SiteItem] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        approved = [row for row in reader.rows(_LOAD % id_list(chunk)) if row["status"] == "approved"]
        for records in _by_item(approved, "item_id"):
            found[records[-1]["file_no"]] = _site_item(records, audience)
    return found


def _by_item(rows: list[Any], key: Any) -> list[list[Any]]:
    """Rows in item order, grouped per item (`row[key]`)."""
    grouped: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return list(grouped.values())


def _site_item(revisions: list[dict], audience: str) -> SiteItem:
    latest: Any = SimpleNamespace(**revisions[-1])  # as the index export reads a Submission: by attribute
    row = index_row(latest, latest.file_no)
    shared = latest.share_externally is True
    # External readers see an address only where the member agreed to share it (as the bulletin does).
    show_email = bool(row.lead_email) and (audience == "internal" or shared)
    if not show_email:
        row = IndexRow(**{**row.__dict__, "lead_email": ""})
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


def _sort_date(row: SimpleNamespace) -> str:
    for value in (row.date_updated, row.date_commenced, _day(row.approved_at)):
        if value is not None:
            return value.isoformat()
    return ""


def _revision(row: dict) -> Revision:
    updated = row["date_updated"]
    return Revision(
        number=row["revision"] or 0,
        received=_day(row["received_at"]),
        approved=_day(row["approved_at"]),
        file_updated=describe_date(updated, row["date_updated_precision"] or "month") if updated else "",
        status=row["progress"] or "Planned",
        title=row["title"] or "",
        is_update=bool(row["is_update"]),
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
