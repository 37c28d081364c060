"""The subscriber list itself: add, remove, forget, approve, import and export (listing: listing.py).

Every function works inside the caller's session (one transaction) except the
CSV import and export, which own theirs.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, selectinload

from pipeline.config import Settings
from pipeline.csvfiles import ImportReport, read_csv_rows, spreadsheet_safe
from pipeline.errors import InvalidInput, NotFound, WrongState
from pipeline.people.subscribers.consent import Consent, record_vouched
from pipeline.people.subscribers.erasure import Erased, erase_traces, remove_spool_files
from pipeline.people.subscribers.listing import FIELDS, list_subscribers, shown
from pipeline.people.subscribers.suppression import is_suppressed, refuse_if_suppressed, suppress
from pipeline.store.db import transaction
from pipeline.store.models import ListMembership, Subscriber, utcnow
from pipeline.store.reader import reading

_ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
CSV_COLUMNS = ("email", "name", "organisation", "lists", "status", "joined_via", "joined_at", "confirmed_at")


def normalise_address(address: str) -> str:
    """Lower case, trimmed, and plausibly an address; else InvalidInput."""
    value = (address or "").strip().strip("<>").strip().lower()
    if len(value) > 254 or not _ADDRESS.match(value):
        raise InvalidInput(f"{address!r} is not an email address")
    return value


def check_list(settings: Settings, list_name: str) -> str:
    if list_name not in settings.lists.names:
        raise InvalidInput(f"unknown list {list_name!r}; lists are: {', '.join(settings.lists.names)} ([lists] names)")
    return list_name


def find(session: Session, address: str) -> Subscriber | None:
    return session.scalar(
        select(Subscriber)
        .where(Subscriber.email == address.strip().lower())
        .options(selectinload(Subscriber.memberships))
    )


def get(session: Session, address: str) -> Subscriber:
    subscriber = find(session, address)
    if subscriber is None:
        raise NotFound(f"no subscriber {address}; see `mln subscribers list`")
    return subscriber


def add_membership(subscriber: Subscriber, list_name: str, confirmed: bool) -> ListMembership:
    for membership in subscriber.memberships:
        if membership.list_name == list_name:
            membership.confirmed = membership.confirmed or confirmed
            return membership
    membership = ListMembership(list_name=list_name, confirmed=confirmed)
    subscriber.memberships.append(membership)
    return membership


def add(
    session: Session,
    settings: Settings,
    address: str,
    list_name: str,
    *,
    name: str = "",
    organisation: str = "",
    via: str = "cli",
    consent: Consent | None = None,
) -> tuple[Subscriber, str]:
    """Add someone directly (by the communications lead) as active; return (subscriber, what happened).

    Never brings back someone who unsubscribed, complained, was forgotten (the suppression
    list: Suppressed) or was disabled (WrongState), with the reason. `consent` is what the
    lead states about their consent; it is recorded for each list they are put on.
    """
    address = normalise_address(address)
    check_list(settings, list_name)
    subscriber = find(session, address)
    if subscriber is None or subscriber.status != "active":
        refuse_if_suppressed(session, address)
    if subscriber is None:
        subscriber = Subscriber(
            email=address,
            name=name,
            organisation=organisation,
            status="active",
            joined_via=via,
            confirmed_at=utcnow(),
            confirmed_via=via,
        )
        session.add(subscriber)
        add_membership(subscriber, list_name, confirmed=True)
        record_vouched(subscriber, list_name, via, consent)
        session.flush()
        return subscriber, "added"
    if subscriber.status in ("unsubscribed", "disabled"):
        raise WrongState(f"{address} is {subscriber.status}; only they can rejoin (by email)")
    changed = _update_details(subscriber, name, organisation)
    if subscriber.status == "pending":  # the lead vouches for them: no confirmation or approval needed
        subscriber.status, subscriber.awaiting_approval = "active", False
        subscriber.confirmed_at, subscriber.confirmed_via = utcnow(), via
        changed = True
    had = list_name in subscriber.lists and all(m.confirmed for m in subscriber.memberships if m.list_name == list_name)
    add_membership(subscriber, list_name, confirmed=True)
    if changed or not had:
        record_vouched(subscriber, list_name, via, consent)
    return subscriber, "updated" if (changed or not had) else "unchanged"


def _update_details(subscriber: Subscriber, name: str, organisation: str) -> bool:
    changed = False
    if name and name != subscriber.name:
        subscriber.name, changed = name, True
    if organisation and organisation != subscriber.organisation:
        subscriber.organisation, changed = organisation, True
    return changed


def remove(session: Session, address: str, list_name: str | None = None, via: str = "cli") -> Subscriber:
    """Take someone off one list, or off every list (then they are `unsubscribed`)."""
    subscriber = get(session, address)
    if list_name:
        subscriber.memberships[:] = [m for m in subscriber.memberships if m.list_name != list_name]
    if not list_name or not subscriber.memberships:
        remove_all(subscriber, via)
    return subscriber


def remove_all(subscriber: Subscriber, via: str) -> None:
    subscriber.memberships.clear()
    subscriber.status = "unsubscribed"
    subscriber.awaiting_approval = False
    subscriber.unsubscribed_at = utcnow()
    subscriber.unsubscribed_via = via


def forget(session: Session, address: str) -> Erased:
    """Erase a subscriber's personal data (their row, lists, consent trail, bounces, and their address
    and mail in the outgoing and incoming logs: pipeline/people/subscribers/erasure.py); the
    suppression list keeps only the address's hash, so no import or add brings them back.
    Complaints and sent copies stay, without the address, so each edition's counts still add up."""
    address = address.strip().lower()
    subscriber = find(session, address)
    if subscriber is None and not is_suppressed(session, address):
        raise NotFound(f"no subscriber {address}")
    erased = erase_traces(session, address, subscriber)
    if subscriber is not None:
        session.delete(subscriber)
    suppress(session, address, "forgotten")
    return erased


def forget_everywhere(settings: Settings, address: str) -> dict:
    """`forget` in its own transaction; then the outbox files of the mail it cancelled are removed."""
    with transaction(settings.database.url) as session:
        erased = forget(session, address)
    remove_spool_files(settings.outbox_path, erased.spool_names)
    return erased.as_dict()


def approve(session: Session, address: str) -> Subscriber:
    """A confirmed join that waits for the communications lead becomes active."""
    subscriber = get(session, address)
    if not subscriber.awaiting_approval:
        raise WrongState(f"{address} is not waiting for approval (status {subscriber.status})")
    subscriber.awaiting_approval = False
    subscriber.status = "active"
    subscriber.approved_at = utcnow()
    return subscriber


def recipients(session: Session, list_names: Iterable[str]) -> list[Subscriber]:
    """Who gets a bulletin sent to these lists: active, with a confirmed membership of one of them."""
    return list(session.scalars(select(Subscriber).where(_is_recipient(list_names)).order_by(Subscriber.id)))


def recipient_pages(session: Session, list_names: Iterable[str], size: int = 1000) -> Iterator[Sequence[Row]]:
    """`recipients` as plain (id, email, name) rows, `size` at a time in id order:
    a list of 50,000 never sits in memory as ORM objects."""
    where = _is_recipient(list_names)
    after = 0
    while page := session.execute(
        select(Subscriber.id, Subscriber.email, Subscriber.name)
        .where(where, Subscriber.id > after)
        .order_by(Subscriber.id)
        .limit(size)
    ).all():
        yield page
        after = page[-1].id


def recipients_exist(session: Session, list_names: Iterable[str]) -> bool:
    """Whether any active, confirmed subscriber is on one of `list_names`."""
    return session.scalar(select(Subscriber.id).where(_is_recipient(list_names)).limit(1)) is not None


def _is_recipient(list_names: Iterable[str]):  # type: ignore[no-untyped-def]
    names = list(list_names)
    return (Subscriber.status == "active") & Subscriber.memberships.any(
        ListMembership.list_name.in_(names) & ListMembership.confirmed.is_(True)
    )


def recipients_of(settings: Settings, list_names: Iterable[str]) -> list[Subscriber]:
    """`recipients` in a transaction of its own."""
    with transaction(settings.database.url, readonly=True) as session:
        return recipients(session, list_names)


def as_dict(subscriber: Subscriber) -> dict:
    """What the CLI shows of a subscriber: the same shape as `mln subscribers list` (listing.shown)."""
    return shown({name: getattr(subscriber, name) for name in FIELDS})


# ---- CSV ---------------------------------------------------------------------------


def import_csv(
    settings: Settings,
    path: Path,
    list_name: str,
    progress: Callable[[int], None] | None = None,
    consent: Consent | None = None,
) -> ImportReport:
    """Add or update everyone in a CSV file on `list_name`, in one transaction.

    Each added person's consent record names the file (and what `consent` states);
    suppressed, unsubscribed and disabled addresses are skipped with the reason."""
    check_list(settings, list_name)
    rows = read_csv_rows(path)
    report = ImportReport()
    consent = dataclasses.replace(consent or Consent(), file_name=Path(path).name)
    with transaction(settings.database.url) as session:
        for line, row in rows:
            _import_row(session, settings, list_name, line, row, report, consent)
            if progress is not None:
                progress(1)
    return report


def _import_row(
    session: Session,
    settings: Settings,
    list_name: str,
    line: int,
    row: dict[str, str],
    report: ImportReport,
    consent: Consent | None = None,
) -> None:
    raw = row.get("email", "")
    try:
        with session.begin_nested():
            _, outcome = add(
                session,
                settings,
                raw,
                list_name,
                name=row.get("name", ""),
                organisation=row.get("organisation", ""),
                via="import",
                consent=consent,
            )
    except (InvalidInput, WrongState) as exc:
        report.skipped.append((line, raw, str(exc)))
        return
    setattr(report, outcome, getattr(report, outcome) + 1)


def export_csv(settings: Settings, path: Path, list_name: str | None = None) -> int:
    """Write subscribers (of one list, or all) to a CSV file; return how many."""
    with reading(settings.database.url) as reader:
        rows = list_subscribers(reader, list_name)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({**{k: spreadsheet_safe(v) for k, v in row.items()}, "lists": " ".join(row["lists"])})
    return len(rows)
