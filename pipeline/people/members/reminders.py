"""Reminders: N days before a period closes, each member who has not reported gets one email.

One transaction per member inserts the `ReminderSent` row (unique per member
and period) and queues the email together: a second worker, or a second run,
fails on the unique key and sends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from pipeline.compose import AttachmentSpec, build_message, queue_message
from pipeline.config import Settings
from pipeline.people.members.compliance import submissions_by_member
from pipeline.periods import Period
from pipeline.store.db import transaction
from pipeline.store.models import Member, ReminderSent
from pipeline.templates_io import generate_template, template_filename
from pipeline.templates_io.generate import CONTENT_TYPES

log = logging.getLogger(__name__)
ATTACHED_FORMATS = ("docx", "xlsx")


@dataclass
class ReminderReport:
    period: str
    sent: int = 0
    already_reported: int = 0
    already_reminded: int = 0

    def as_dict(self) -> dict:
        return vars(self).copy()


def send_reminders(settings: Settings, period: Period, today: dt.date) -> ReminderReport:
    """Queue one reminder for each active member with nothing received in `period`, once."""
    report = ReminderReport(period.key)
    with transaction(settings.database.url, readonly=True) as session:
        reminded = select(ReminderSent.member_id).where(ReminderSent.period_start == period.start)
        member_ids = list(
            session.scalars(
                select(Member.id).where(Member.active.is_(True), Member.id.not_in(reminded)).order_by(Member.id)
            )
        )
    if not member_ids:
        return report
    attachments = [
        (template_filename(f), CONTENT_TYPES[f], generate_template(f, settings.network)) for f in ATTACHED_FORMATS
    ]
    for member_id in member_ids:
        outcome = _remind_one(settings, period, today, member_id, attachments)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _remind_one(
    settings: Settings, period: Period, today: dt.date, member_id: int, attachments: list[AttachmentSpec]
) -> str:
    try:
        with transaction(settings.database.url) as session:
            member = session.get(Member, member_id)
            assert member is not None  # listed a moment ago; members are made inactive, never deleted
            done = session.scalar(
                select(ReminderSent.id).where(
                    ReminderSent.member_id == member_id, ReminderSent.period_start == period.start
                )
            )
            if done is not None:
                return "already_reminded"
            if submissions_by_member(session, settings, period, [member.email]):
                return "already_reported"
            msg = build_message(
                settings,
                member.email,
                f"Reminder: your improvement plan for {period.label}",
                reminder_text(settings, member, period, today),
                attachments=attachments,
                headers={"Auto-Submitted": "auto-generated"},
                to_name=member.name,
            )
            row = queue_message(session, settings, msg, kind="reminder")
            session.add(ReminderSent(member_id=member_id, period_start=period.start, outgoing_id=row.id))
            session.flush()
    except IntegrityError:
        return "already_reminded"  # another worker reminded this member first
    log.info("reminder for %s queued to %s", period.key, member.email, extra={"message_id": msg["Message-ID"]})
    return "sent"


def reminder_text(settings: Settings, member: Member, period: Period, today: dt.date) -> str:
    network = settings.network
    days = (period.end - today).days
    when = "today" if days <= 0 else ("tomorrow" if days == 1 else f"in {days} days")
    greeting = f"Dear {member.name}," if member.name else "Hello,"
    return "\n".join(
        [
            greeting,
            "",
            f"The {period.label} reporting period of the {network.name} closes {when}, "
            f"on {period.end.strftime('%A %d %B %Y').replace(' 0', ' ')}.",
            "We have not yet received an improvement plan from you for this period.",
            "",
            f"Please fill in the attached template (Word or Excel) and send it to {network.shared_address}.",
            "An update to a plan you sent before is welcome too: quote its File No.",
            "",
            "If you have sent one in the last day or so, thank you, and please ignore this reminder.",
            "",
            f"-- \n{network.name}",
            "This is an automatic reminder; you receive one per period at most.",
        ]
    )
