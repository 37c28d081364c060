"""Approving an edition and sending it by hand, with the guards a person needs to be told about.

The scheduled send (pipeline/schedule.py) leaves out an empty audience and
waits for the approvers and the send-at time on its own; `mln bulletin send`
is a person asking for it now, so it refuses instead, and says what to do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipeline.config import Settings
from pipeline.errors import NotFound, SendRefused
from pipeline.mailing.sending import BulletinSendSummary, queue_bulletin, receiving_audiences, resolve_lists
from pipeline.outbound.bulletin.approval import approvals_missing, held_back, parse_send_at, when_shown
from pipeline.outbound.bulletin.drafts import approve_bulletin, audience_item_counts
from pipeline.store.db import transaction
from pipeline.store.models import Bulletin


def approve_and_plan(
    settings: Settings,
    bulletin_id: int,
    by: str,
    *,
    force_reason: str = "",
    send_at: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Approve a draft (or add a second approval) with the guards; the summary's `goes` says when it will go."""
    when = parse_send_at(settings, send_at) if send_at else None
    summary = approve_bulletin(
        settings, bulletin_id, by, force_reason=force_reason, receiving=receiving_audiences, today=today, send_at=when
    )
    summary["goes"] = _goes(settings, summary)
    return summary


def _goes(settings: Settings, summary: dict[str, Any]) -> str:
    bulletin_id = summary["id"]
    if summary["approvals_needed"]:
        return (
            f"once {summary['approvals_needed']} more person(s) approve it "
            f"(mln bulletin approve {bulletin_id} --as NAME), then"
            + _goes_after(settings, summary).removeprefix("then")
        )
    return _goes_after(settings, summary)


def _goes_after(settings: Settings, summary: dict[str, Any]) -> str:
    scheduled = settings.schedule.send_approved or settings.schedule.auto_send
    not_before = ""
    if summary["send_at"]:
        not_before = f" at or after {when_shown(settings, dt.datetime.fromisoformat(summary['send_at']))}"
    if scheduled:
        return f"at the {'first' if not_before else 'next'} `mln worker` check or `mln schedule run`{not_before}"
    return f"when you run: mln bulletin send {summary['id']}" + (f" ({not_before.strip()})" if not_before else "")


def send_by_hand(
    settings: Settings, bulletin_id: int, lists: str = "all", *, dry_run: bool = False, now: bool = False
) -> BulletinSendSummary:
    """`queue_bulletin` for a person: refused (SendRefused) when a named list's edition has no items
    and someone would receive it, or the issue waits for an approver or (unless `now`) its send-at time."""
    names = resolve_lists(lists)
    if not dry_run:
        _check(settings, bulletin_id, names, now)
    return queue_bulletin(settings, bulletin_id, names, dry_run=dry_run)


def _check(settings: Settings, bulletin_id: int, names: list[str], now: bool) -> None:
    with transaction(settings.database.url, readonly=True) as session:
        bulletin = session.get(Bulletin, bulletin_id)
        if bulletin is None:
            raise NotFound(f"no bulletin {bulletin_id}; see `mln bulletin list`")
        if bulletin.status != "approved":
            return  # queue_bulletin says what is wrong with a draft or a cancelled issue
        if approvals_missing(settings, bulletin):
            raise SendRefused(f"not sent: {held_back(settings, bulletin)}")
        if not now and held_back(settings, bulletin):
            raise SendRefused(f"not sent: {held_back(settings, bulletin)} (to send it now anyway: --now)")
        counts = audience_item_counts(session, settings, bulletin_id)
        receiving = set(receiving_audiences(session))
    empty = [a for a in names if not counts.get(a) and a in receiving]
    if empty:
        others = [a for a in names if a not in empty and counts.get(a)]
        instead = (
            f"; send only the others: mln bulletin send {bulletin_id} --list {others[0]}" if len(others) == 1 else ""
        )
        raise SendRefused(
            f"not sent: the {' and '.join(empty)} edition(s) of bulletin {bulletin_id} have no items"
            f"{instead}, or cancel it: mln bulletin cancel {bulletin_id} --reason TEXT"
        )
