"""Listing the queue: what waits for a decision, with what the reviewer should know of each plan.

Read through the driver (store/reader.py), not SQLAlchemy: `mln queue` runs dozens
of times a day. Pages are read per status with LIMIT/OFFSET on the
(status, received_at) index, so a large table is never loaded whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.config import Settings
from pipeline.errors import InvalidInput
from pipeline.review.common import iso
from pipeline.review.duplicates import PLAN_ROWS, plan_notes
from pipeline.store.reader import Reader, reading
from pipeline.store.vocabulary import SUBMISSION_STATUSES
from pipeline.templates_io import match_choice, parse_date
from pipeline.templates_io.dates import DateProblem

# The queue's order: what needs a decision first (pending, needs_changes, approved, rejected).
QUEUE_STATUSES = SUBMISSION_STATUSES


@dataclass(frozen=True)
class QueueFilter:
    statuses: tuple[str, ...] = ("pending",)
    theme_number: int | None = None
    region: str | None = None
    since: dt.datetime | None = None


def make_filter(
    settings: Settings,
    status: str = "pending",
    theme: str | None = None,
    region: str | None = None,
    since: str | None = None,
) -> QueueFilter:
    """Turn what the user typed into a filter; InvalidInput names what is wrong."""
    if status != "all" and status not in QUEUE_STATUSES:
        raise InvalidInput(f"status {status!r} is not one of {', '.join(QUEUE_STATUSES)} or all")
    return QueueFilter(
        statuses=QUEUE_STATUSES if status == "all" else (status,),
        theme_number=resolve_theme(settings, theme) if theme else None,
        region=_region(settings, region) if region else None,
        since=_since(settings, since) if since else None,
    )


def resolve_theme(settings: Settings, text: str) -> int:
    match = match_choice(text, settings.network.themes)
    if match.number is not None:  # match.ok, spelled out so the type narrows to int
        return match.number
    hint = (
        f"; did you mean '{match.suggestions[0]}'?"
        if match.suggestions
        else f"; give 1 to {len(settings.network.themes)} or a name"
    )
    raise InvalidInput(f"theme {text!r} is not one of the key themes{hint}")


def _region(settings: Settings, text: str) -> str:
    if not settings.network.regions:
        return text
    match = match_choice(text, settings.network.regions, numbered=False, with_parts=False)
    if match.ok:
        return match.name
    raise InvalidInput(f"region {text!r} is not one of: {', '.join(settings.network.regions)}")


def _since(settings: Settings, text: str) -> dt.datetime:
    """Midnight at the start of that day (or month) in the network's time zone."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        try:
            loose = parse_date(text)
        except DateProblem as exc:
            raise InvalidInput(f"--since {exc}") from None
        if loose is None:
            raise InvalidInput("--since needs a date, e.g. 2026-11-01") from None
        day = loose.date
    return dt.datetime.combine(day, dt.time(), ZoneInfo(settings.network.timezone)).astimezone(dt.UTC)


def _where(flt: QueueFilter) -> tuple[str, dict[str, Any]]:
    clauses = ["s.status = :status"]
    params: dict[str, Any] = {}
    if flt.theme_number is not None:
        clauses.append("s.theme_number = :theme_number")
        params["theme_number"] = flt.theme_number
    if flt.region is not None:
        clauses.append("lower(s.region) = :region")
        params["region"] = flt.region.lower()
    if flt.since is not None:
        clauses.append("s.received_at >= :since")
        params["since"] = flt.since
    return " AND ".join(clauses), params


# One page of one status, with the notes a reviewer needs (PLAN_ROWS).
_PAGE = (
    PLAN_ROWS
    + """
    WHERE {where}
    ORDER BY s.received_at, s.id
    LIMIT :limit OFFSET :offset"""
)


def iter_queue(reader: Reader, flt: QueueFilter, limit: int, offset: int = 0) -> Iterator[dict[str, Any]]:
    """Rows in queue order: status by status (pending first), oldest first within each."""
    for status in flt.statuses:
        if limit <= 0:
            return
        where, params = _where(flt)
        params["status"] = status
        if offset:
            count = reader.scalar(f"SELECT COUNT(*) FROM submissions s WHERE {where}", params) or 0
            if count <= offset:
                offset -= count
                continue
        page = reader.rows(_PAGE.format(where=where), {**params, "limit": limit, "offset": offset})
        offset = 0
        for row, notes in zip(page, plan_notes(reader, page)):
            limit -= 1
            yield {**queue_row(row), **notes}


def list_queue(settings: Settings, flt: QueueFilter, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    with reading(settings.database.url) as reader:
        return list(iter_queue(reader, flt, limit, offset))


def queue_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "file_no": row["item_file_no"] or "",
        "revision": row["revision"],
        "title": row["title"],
        "theme": row["theme"],
        "theme_number": row["theme_number"],
        "locality": row["locality"],
        "region": row["region"],
        "status": row["status"],
        "sender": row["sender"],
        "sender_name": row["sender_name"],
        "unknown_sender": bool(row["unknown_sender"]),
        "received_at": iso(row["received_at"]),
        "is_update": bool(row["is_update"]),
        "problem_count": len(row["problems"] or []),
        "forwarded_by": row["forwarded_by"],
    }
