"""Scheduled jobs the worker runs (and `mln schedule run` runs once, for cron).

- period_close: when a period closes, draft its bulletin and email the
  communications lead a preview of each audience's version, with the command
  that approves it (with `auto_send`, approve it straight away).
- send_approved: an approved bulletin is queued for every subscriber of both
  lists (pipeline/mailing/sending.py); the worker then sends it.
- reminders: `reminder_days_before` days before a period closes, each member
  who has not reported gets one reminder (pipeline/people/members/reminders.py).
- digest: weekly, each theme lead gets the new submissions in their themes.

A job done for a key (a period, a week) is recorded in `job_runs` in the same
transaction as the emails it queued; the unique (job, key) lets only one of
several workers do it. When each job runs next (`mln status`, `mln schedule list`)
is worked out in pipeline/schedule_next.py, without importing the jobs.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.compose import build_message, queue_message
from pipeline.config import Settings
from pipeline.errors import ApprovalRefused, MlnError, WrongState
from pipeline.localtime import current_period, local_now, previous_period, shown
from pipeline.mailing.sending import approve_for_sending, scheduled_lists, send_bulletin
from pipeline.outbound.bulletin.content import AUDIENCES
from pipeline.outbound.bulletin.drafts import draft_bulletin, preview_bulletin
from pipeline.outbound.bulletin.render import RenderedBulletin
from pipeline.people.members.reminders import send_reminders
from pipeline.periods import Period, reminder_day
from pipeline.schedule_next import digest_key, is_done
from pipeline.schedule_next import upcoming as upcoming  # `mln schedule list` and the tests ask schedule.upcoming
from pipeline.store.db import transaction
from pipeline.store.models import Bulletin, JobRun, Member, Message, Submission, utcnow

log = logging.getLogger(__name__)


@dataclass
class JobResult:
    job: str
    key: str
    outcome: str  # done | already | skipped | failed
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"job": self.job, "key": self.key, "outcome": self.outcome, "detail": self.detail}


class AnotherWorker(Exception):
    """Another worker recorded this job first; our copy of its work was rolled back."""


def communications_lead(settings: Settings) -> str:
    return settings.schedule.communications_lead or settings.network.shared_address


def run_due(settings: Settings, now: dt.datetime | None = None) -> list[JobResult]:
    """Run every scheduled job that is due at `now` (default: now). Each job fails alone."""
    today = local_now(settings, now).date()
    results = []
    for name, job in _enabled_jobs(settings):
        try:
            result = job(settings, today, now or utcnow())
        except MlnError as exc:
            log.error("scheduled job %s failed: %s", name, exc)
            result = JobResult(name, "", "failed", {"error": str(exc)})
        if result is not None:
            results.append(result)
    return results


def _enabled_jobs(settings: Settings) -> list[tuple[str, Callable[..., JobResult | None]]]:
    s = settings.schedule
    jobs: list[tuple[str, Callable[..., JobResult | None]]] = []
    if s.draft_on_close:
        jobs.append(("period_close", period_close))
    if s.send_approved or s.auto_send:
        jobs.append(("send_approved", send_approved))
    if s.reminders:
        jobs.append(("reminders", reminders))
    if s.digest:
        jobs.append(("digest", digest))
    return jobs


def _record(session: Session, job: str, key: str, result: str) -> None:
    session.add(JobRun(job=job, key=key, result=result[:2000]))
    try:
        session.flush()
    except IntegrityError as exc:
        raise AnotherWorker(f"{job} {key}") from exc


# ---- period close: draft + preview -------------------------------------------------------


def period_close(settings: Settings, today: dt.date, now: dt.datetime) -> JobResult | None:
    period = previous_period(settings, today)
    if is_done(settings, "period_close", period.key):
        return None
    installed = local_now(settings, _installed_at(settings, now)).date()
    if period.end < installed:  # the first run never reaches back before the installation
        return _finish_close(settings, period, None, f"{period.label} ended before the installation ({installed})")
    try:
        summary = draft_bulletin(settings, period, today=today)
    except WrongState as exc:
        if _status_of(settings, period) in ("approved", "sent"):  # done by hand already: nothing to preview
            return _finish_close(settings, period, None, str(exc))
        # Another worker created the draft at the same moment; the next check finishes the job.
        return JobResult("period_close", period.key, "already", {"reason": str(exc)})
    return _finish_close(settings, period, summary, "")


def _installed_at(settings: Settings, now: dt.datetime) -> dt.datetime:
    """When this installation began: its first message, submission or job run (else `now`)."""
    with transaction(settings.database.url, readonly=True) as session:
        firsts = [
            session.scalar(select(func.min(column)))
            for column in (Message.received_at, Submission.received_at, JobRun.done_at)
        ]
    return min([f if f.tzinfo else f.replace(tzinfo=dt.UTC) for f in firsts if f is not None] + [now])


def _status_of(settings: Settings, period: Period) -> str | None:
    with transaction(settings.database.url, readonly=True) as session:
        return session.scalar(select(Bulletin.status).where(Bulletin.period_start == period.start))


def _finish_close(settings: Settings, period: Period, summary: dict | None, note: str) -> JobResult:
    previews = [preview_bulletin(settings, summary["id"], a) for a in AUDIENCES] if summary else []
    lead = communications_lead(settings)
    try:
        with transaction(settings.database.url) as session:
            if summary is None:  # nothing drafted: `note` says why
                _record(session, "period_close", period.key, note)
            else:
                _record(session, "period_close", period.key, note or f"bulletin {summary['id']} drafted")
                for rendered in previews:
                    queue_message(session, settings, preview_message(settings, lead, summary, rendered), kind="preview")
    except AnotherWorker:
        return JobResult("period_close", period.key, "already")
    if summary is None:
        return JobResult("period_close", period.key, "skipped", {"reason": note})
    detail = {"bulletin_id": summary["id"], "number": summary["number"], "items": summary["items"], "preview_to": lead}
    log.info(
        "period %s closed: bulletin %s drafted (%s items), preview queued to %s",
        period.key,
        summary["id"],
        summary["items"],
        lead,
    )
    if settings.schedule.auto_send:
        try:
            approve_for_sending(settings, summary["id"], by="mln worker (auto_send)")
            detail["approved"] = True
        except ApprovalRefused as exc:  # left as a draft for the communications lead
            log.warning("auto_send: %s", exc)
            detail.update(approved=False, not_approved=str(exc))
    return JobResult("period_close", period.key, "done", detail)


def preview_message(settings: Settings, lead: str, summary: dict, rendered: RenderedBulletin) -> EmailMessage:
    """The bulletin as `rendered.audience` readers will see it, with a note on how to approve it."""
    note = _preview_note(settings, summary, rendered.audience)
    text = note + "\n\n" + "-" * 72 + "\n\n" + rendered.text
    banner = (
        '<div style="border:2px solid #b45309;background:#fffbeb;padding:12px;margin:12px;'
        'font-family:Arial,sans-serif;font-size:14px">'
        + "<br>".join(_escape(line) for line in note.splitlines())
        + "</div>"
    )
    html, count = re.subn(r"(<body[^>]*>)", lambda m: m.group(1) + banner, rendered.html, count=1, flags=re.I)
    if not count:
        html = banner + rendered.html
    subject = f"[Preview for {rendered.audience} readers] {rendered.subject}"
    return build_message(settings, lead, subject, text, html=html, headers={"Auto-Submitted": "auto-generated"})


def _preview_note(settings: Settings, summary: dict, audience: str) -> str:
    ident = summary["id"]
    lines = [
        f"PREVIEW: bulletin No. {summary['number']} ({summary['period_label']}) as {audience} readers will receive it.",
        f"It carries {summary['items']} item(s): {summary['new']} new, {summary['updates']} update(s).",
    ]
    if settings.schedule.auto_send:
        lines.append("auto_send is on: it is approved now and will be sent to the lists without waiting for you.")
    else:
        lines += [
            "Nothing has been sent to the lists. To change the introduction: "
            f"mln bulletin edit {ident} --intro intro.md",
            f"To approve it for sending:  mln bulletin approve {ident}",
            "Once approved, the worker sends it to the lists at its next check."
            if settings.schedule.send_approved
            else f"Once approved, send it with:  mln bulletin send {ident}",
        ]
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# ---- approved bulletins go out -----------------------------------------------------------


def send_approved(settings: Settings, today: dt.date, now: dt.datetime) -> JobResult | None:
    """Queue a copy of each approved (not yet sent) bulletin for every subscriber; the worker sends them."""
    with transaction(settings.database.url, readonly=True) as session:
        ids = list(session.scalars(select(Bulletin.id).where(Bulletin.status == "approved").order_by(Bulletin.number)))
    if not ids:
        return None
    queued, skipped = {}, {}
    for bulletin_id in ids:
        lists, why = scheduled_lists(settings, bulletin_id)
        if why and _note_skipped(settings, bulletin_id, why):
            skipped[bulletin_id] = why
        if not lists:
            continue  # stays approved: cancel it, or unapprove and redraft it
        summary = send_bulletin(settings, bulletin_id, lists)
        queued[bulletin_id] = summary.queued
        log.info("bulletin %s queued to the lists: %s", bulletin_id, summary.queued)
    if not queued and not skipped:
        return None
    outcome = "done" if queued else "skipped"
    return JobResult("send_approved", ",".join(map(str, ids)), outcome, {"queued": queued, "skipped": skipped})


def _note_skipped(settings: Settings, bulletin_id: int, why: dict[str, str]) -> bool:
    """Record once (a JobRun) which audiences a scheduled send left out and why; False if already recorded."""
    key = f"bulletin-{bulletin_id}-empty"
    if is_done(settings, "send_approved", key):
        return False
    log.warning("bulletin %s: not sent to %s", bulletin_id, "; ".join(why.values()))
    try:
        with transaction(settings.database.url) as session:
            _record(session, "send_approved", key, "not sent: " + "; ".join(why.values()))
    except AnotherWorker:
        return False
    return True


# ---- reminders ---------------------------------------------------------------------------


def reminders(settings: Settings, today: dt.date, now: dt.datetime) -> JobResult | None:
    period = current_period(settings, today)
    if not reminder_day(settings, period) <= today <= period.end:
        return None
    report = send_reminders(settings, period, today)
    if not report.sent:
        return None
    return JobResult("reminders", period.key, "done", report.as_dict())


# ---- weekly digest for theme leads -------------------------------------------------------


def digest(settings: Settings, today: dt.date, now: dt.datetime) -> JobResult | None:
    key = digest_key(settings, today)
    if key is None or is_done(settings, "digest", key):
        return None
    since = now - dt.timedelta(days=7)
    try:
        with transaction(settings.database.url) as session:
            sent = _queue_digests(session, settings, since, now)
            _record(session, "digest", key, f"{len(sent)} digest(s)")
    except AnotherWorker:
        return JobResult("digest", key, "already")
    return JobResult("digest", key, "done", {"sent_to": sent})


def _queue_digests(session: Session, settings: Settings, since: dt.datetime, now: dt.datetime) -> list[str]:
    leads = [m for m in session.scalars(select(Member).where(Member.active.is_(True)).order_by(Member.id)) if m.themes]
    if not leads:
        return []
    new = list(
        session.scalars(
            select(Submission)
            .where(Submission.received_at >= since, Submission.received_at < now)
            .order_by(Submission.theme_number, Submission.received_at)
        )
    )
    sent = []
    for lead in leads:
        mine = [s for s in new if s.theme in lead.themes]
        if mine:
            queue_message(session, settings, _digest_message(settings, lead, mine), kind="digest")
            sent.append(lead.email)
    return sent


def _digest_message(settings: Settings, lead: Member, submissions: list[Submission]) -> EmailMessage:
    lines = [
        f"Dear {lead.name}," if lead.name else "Hello,",
        "",
        f"New improvement plans in the theme(s) you lead, received in the last seven days ({len(submissions)}):",
        "",
    ]
    for s in submissions:
        received = shown(settings, s.received_at)
        assert received is not None  # received_at is never null, so shown() gives a string
        where = ", ".join(p for p in (s.organisation, s.locality or s.region) if p)
        lines.append(
            f"- [{s.theme}] {s.title or '(untitled)'}{' — ' + where if where else ''}"
            f" ({s.status}; {s.file_no or 'no File No yet'}; received {received[:10]})"
        )
    lines += ["", f"-- \n{settings.network.name}", "A weekly digest for theme leads."]
    subject = f"{settings.network.short_name} weekly digest: {len(submissions)} new plan(s) in your themes"
    return build_message(
        settings, lead.email, subject, "\n".join(lines), headers={"Auto-Submitted": "auto-generated"}, to_name=lead.name
    )
