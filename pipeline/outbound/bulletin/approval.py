"""What stands between a draft and its readers: the approval guards, the approvers, the send-at time.

An edition is refused when it is early, empty for an audience that would
receive it, or holds items no longer approved (withdrawn or rejected after the
draft was made), unless someone says why it should go anyway. With
`[bulletin] approvals = 2` it also waits for a second, different approver, and
`approve --send-at` keeps any scheduled send back until that time.

The rules about approvers and the send-at time need no session: they are in
pipeline/outbound/approval_rules.py, and named here too for the bulletin's callers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.errors import WrongState
from pipeline.localtime import shown
from pipeline.outbound.approval_rules import approvals_missing, approvers, required_approvals
from pipeline.outbound.approval_rules import held_back as held_back
from pipeline.outbound.approval_rules import parse_send_at as parse_send_at
from pipeline.outbound.approval_rules import when_shown as when_shown
from pipeline.outbound.bulletin import source
from pipeline.outbound.bulletin.content import BulletinContent
from pipeline.periods import Period
from pipeline.store.models import Bulletin, utcnow


def approval_problems(
    content: BulletinContent, audiences: Sequence[str], today: dt.date, not_approved: Sequence[str] = ()
) -> list[str]:
    """Why an edition should not go yet: an early period, an audience with nothing to read,
    items that are no longer approved."""
    problems = [f"its period {content.period.label} has not started (it starts {content.period.start})"]
    problems = problems if content.period.start > today else []
    problems += [f"the {a} edition has no items" for a in audiences if not content.items_for(a)]
    if not_approved:
        problems.append(f"{len(not_approved)} item(s) are no longer approved ({', '.join(not_approved)})")
    return problems


def refusal(bulletin: Bulletin, problems: list[str]) -> str:
    period = Period(bulletin.period_start, bulletin.period_months)
    return (
        f"bulletin {bulletin.id} (No. {bulletin.number}, {period.label}) was not approved: {'; '.join(problems)}. "
        f"Wait for items and redraft it (mln bulletin draft --period {period.key}), "
        f"or approve it anyway: mln bulletin approve {bulletin.id} --force --reason TEXT"
    )


def not_approved_items(session: Session, bulletin: Bulletin) -> list[str]:
    """The File Nos (or #ids) of the draft's items whose submission is no longer approved."""
    rows = source.submissions_by_id(session, [e.submission_id for e in bulletin.entries])
    return [
        entry.file_no or f"#{entry.submission_id}"
        for entry in bulletin.entries
        if entry.submission_id not in rows or rows[entry.submission_id].status != "approved"
    ]


def record_approval(bulletin: Bulletin, by: str, send_at: dt.datetime | None) -> None:
    # A new list, not an in-place append: the JSON column notices only assignment.
    bulletin.approvals = [*(bulletin.approvals or []), {"by": by, "at": utcnow().isoformat(timespec="seconds")}]
    if send_at is not None:
        bulletin.send_at = send_at


def add_second_approval(settings: Settings, bulletin: Bulletin, by: str, send_at: dt.datetime | None) -> None:
    """A further approver of an issue already frozen: the same person twice does not count."""
    if by in approvers(bulletin):
        raise WrongState(
            f"bulletin {bulletin.id} was already approved by {by}; [bulletin] approvals = "
            f"{required_approvals(settings)} needs a different person: mln bulletin approve {bulletin.id} --as NAME"
        )
    record_approval(bulletin, by, send_at)


def approval_fields(settings: Settings, bulletin: Bulletin) -> dict[str, Any]:
    """The summary keys about approval: who approved, how many more are needed, the send-at time."""
    return {
        "approvers": approvers(bulletin),
        "approvals_needed": approvals_missing(settings, bulletin),
        "send_at": shown(settings, bulletin.send_at),
    }
