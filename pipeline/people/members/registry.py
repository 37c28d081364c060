"""The member register: add (or update), remove, list, import from CSV.

Members are team leaders. A member may also lead one or more key themes; theme
names are matched as people write them ("7", "CMHT", "Care homes") against
network.themes and stored by their configured name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.csvfiles import ImportReport, read_csv_rows
from pipeline.errors import InvalidInput, NotFound
from pipeline.people.subscribers.registry import normalise_address
from pipeline.store import group_batch
from pipeline.store.db import transaction
from pipeline.store.models import Member, utcnow
from pipeline.templates_io.themes import match_choice

_THEME_SEPARATORS = re.compile(r"[;|\n]+")


@dataclass(frozen=True)
class MemberInput:
    email: str
    name: str = ""
    organisation: str = ""
    region: str = ""
    themes: tuple[str, ...] = ()


def resolve_themes(settings: Settings, written: Iterable[str]) -> list[str]:
    """Configured theme names for what was written; InvalidInput naming the first unknown one."""
    found: list[str] = []
    for text in written:
        for part in _THEME_SEPARATORS.split(text or ""):
            if not part.strip():
                continue
            match = match_choice(part, settings.network.themes)
            if match.number is None:
                hint = f" (did you mean {', '.join(match.suggestions)}?)" if match.suggestions else ""
                raise InvalidInput(
                    f"unknown theme {part.strip()!r}{hint}; themes are numbered 1-{len(settings.network.themes)}"
                )
            if match.name not in found:
                found.append(match.name)
    return found


def resolve_region(settings: Settings, written: str) -> str:
    """The configured region name when one matches; otherwise the text as written."""
    if not written.strip():
        return ""
    match = match_choice(written, settings.network.regions, numbered=False)
    return match.name if match.number is not None else written.strip()


def add_member(session: Session, settings: Settings, data: MemberInput) -> tuple[Member, str]:
    """Add a member, or update the one with this address; returns (member, 'added'|'updated'|'unchanged')."""
    email = normalise_address(data.email)
    values: dict[str, str | list[str]] = {
        "name": data.name.strip(),
        "organisation": data.organisation.strip(),
        "region": resolve_region(settings, data.region),
        "themes": resolve_themes(settings, data.themes),
    }
    member = session.scalar(select(Member).where(Member.email == email))
    if member is None:
        member = Member(email=email, **values)
        session.add(member)
        session.flush()
        return member, "added"
    # A blank cell keeps what we had: an import of a short CSV does not erase details.
    changed: dict[str, str | list[str] | bool] = {k: v for k, v in values.items() if v and getattr(member, k) != v}
    if not member.active:
        changed["active"] = True
    for key, value in changed.items():
        setattr(member, key, value)
    if changed:
        member.updated_at = utcnow()
    return member, "updated" if changed else "unchanged"


def remove_member(session: Session, email: str) -> Member:
    """Mark a member inactive (their reminders and history stay for the compliance report)."""
    member = session.scalar(select(Member).where(Member.email == email.strip().lower()))
    if member is None or not member.active:
        raise NotFound(f"no member {email}; see `mln members list`")
    member.active = False
    member.updated_at = utcnow()
    return member


def is_member(session: Session, address: str) -> bool:
    """Whether `address` belongs to an active member (for marking submissions from unknown senders)."""
    batch = group_batch.current(session)
    known = batch.knows_member(address) if batch is not None else None
    if known is not None:  # a message in a group: asked once for all the group's senders
        return known
    email = (address or "").strip().lower()
    with session.no_autoflush:  # what the caller has pending is never a member
        return (
            bool(email)
            and session.scalar(select(Member.id).where(Member.email == email, Member.active.is_(True))) is not None
        )


def list_members(session: Session, include_inactive: bool = False, theme: str | None = None) -> list[Member]:
    query = select(Member).order_by(Member.region, Member.name, Member.email)
    if not include_inactive:
        query = query.where(Member.active.is_(True))
    members = list(session.scalars(query))
    return [m for m in members if theme in (m.themes or [])] if theme else members


def as_dict(member: Member) -> dict[str, Any]:
    return {
        "email": member.email,
        "name": member.name,
        "organisation": member.organisation,
        "region": member.region,
        "themes": list(member.themes or []),
        "active": member.active,
    }


def import_csv(settings: Settings, path: Path) -> ImportReport:
    """Add or update every row of a CSV (email, name, organisation, region, themes), in one transaction.

    `themes` (or `theme lead`) holds theme names or numbers separated by ';'.
    A bad row is skipped with its reason; the others still go in.
    """
    rows = read_csv_rows(path)
    report = ImportReport()
    with transaction(settings.database.url) as session:
        for line, row in rows:
            _import_row(session, settings, line, row, report)
    return report


def _import_row(session: Session, settings: Settings, line: int, row: dict[str, str], report: ImportReport) -> None:
    themes = row.get("themes") or row.get("theme lead") or row.get("theme_lead") or ""
    data = MemberInput(
        email=row.get("email", ""),
        name=row.get("name", ""),
        organisation=row.get("organisation", ""),
        region=row.get("region", ""),
        themes=(themes,),
    )
    try:
        with session.begin_nested():
            _, outcome = add_member(session, settings, data)
    except InvalidInput as exc:
        report.skipped.append((line, data.email, str(exc)))
        return
    setattr(report, outcome, getattr(report, outcome) + 1)
