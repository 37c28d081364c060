"""The communications lead's part of the demo: review decisions, the bulletin, the site.

Every step calls the library function behind the matching command (`mln approve`,
`mln reject`, `mln request-changes`, `mln bulletin draft / approve / send`,
`mln site build`), so what the demo shows is what those commands do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from pipeline import review
from pipeline.config import Settings
from pipeline.mailing.approving import approve_and_plan, send_by_hand
from pipeline.mailing.delivery import deliver_due
from pipeline.mailing.sending import flush_outbox
from pipeline.outbound.bulletin.drafts import draft_bulletin
from pipeline.site import build_site
from pipeline.store import db
from pipeline.store.models import Outgoing

# Picked by title so the story reads the same on every run; any pending plan stands in if a
# sample changes.
TO_REJECT = (
    "Dementia champions in libraries",
    "A proposal that has not started yet; please send it again once it has begun.",
)
TO_QUESTION = (
    "Walking football for men over 60",
    "Please add the outcomes you have measured so far, and a contact other teams can ask.",
)
INTRO = (
    "Welcome to this issue. {{ count.new }} new improvement plan(s) and {{ count.updated }} update(s) "
    "from across the network.\n\n{{ highlights }}"
)


def review_decisions(settings: Settings, actor: str) -> dict[str, Any]:
    """Reject one plan (telling its sender why), ask for changes on another, approve the rest."""
    pending = review.list_queue(settings, review.make_filter(settings, status="pending"))
    by_title = {row["title"]: row["id"] for row in pending}
    ids = [row["id"] for row in pending]
    reject_id = by_title.get(TO_REJECT[0], ids[-1] if ids else 0)
    question_id = by_title.get(TO_QUESTION[0], ids[-2] if len(ids) > 1 else 0)
    decisions: dict[str, Any] = {"approved": [], "rejected": None, "changes_requested": None}
    if reject_id:
        decisions["rejected"] = review.reject(settings, reject_id, TO_REJECT[1], actor, notify=True)
    if question_id and question_id != reject_id:
        decisions["changes_requested"] = review.request_changes(settings, question_id, TO_QUESTION[1], actor)
    rest = [i for i in ids if i not in (reject_id, question_id)]
    if rest:
        decisions["approved"] = review.approve(settings, rest, actor)
    return decisions


def bulletin_round(settings: Settings, actor: str, deliver: bool) -> dict[str, Any]:
    """Draft the current period's bulletin, approve it, and send it to both lists.

    Without `deliver` (no SMTP sink) the copies stay queued in the outbox.
    """
    draft = draft_bulletin(settings, intro=INTRO)
    approved = approve_and_plan(settings, draft["id"], actor)
    summary = send_by_hand(settings, draft["id"], "all", now=True)
    if deliver:
        flush_outbox(settings, summary)
    return {"draft": draft, "approved": approved, "send": summary.as_dict()}


def bulletin_copies(settings: Settings, bulletin_id: int) -> dict[str, str]:
    """Message-ID -> the list (audience) of each copy of the bulletin: which edition each file in the sink is."""
    with db.transaction(settings.database.url, readonly=True) as session:
        rows = session.execute(
            select(Outgoing.message_id, Outgoing.audience).where(Outgoing.bulletin_id == bulletin_id)
        )
        return {message_id: audience for message_id, audience in rows if message_id}


def deliver_outbox(settings: Settings) -> dict[str, Any]:
    """Send whatever is queued (replies, confirmation requests) to the sink, as `mln outbox flush`."""
    report = deliver_due(settings)
    return {"sent": report.sent, "deferred": report.deferred, "failed": report.failed, "stopped": report.stopped}


def build_demo_site(settings: Settings, out_dir: Path) -> dict[str, Any]:
    report = build_site(settings, out_dir, "internal")
    return {"out_dir": report.out_dir, "items": report.items, "bulletins": report.bulletins, "files": report.files}
