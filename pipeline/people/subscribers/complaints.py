"""Spam complaints (feedback reports) against subscribers: recorded, counted per edition.

Gmail, Yahoo and Outlook.com expect a bulk sender's complaint rate to stay under 0.3%:
`complaint_summary` gives each edition's complaints beside the copies sent.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.people.subscribers.bounces import latest_edition_sent
from pipeline.people.subscribers.joining import Outcome, leave_after_complaint
from pipeline.store.models import Bulletin, Complaint, Message, Outgoing, Subscriber, utcnow


def record_complaint(
    session: Session,
    subscriber: Subscriber,
    *,
    bulletin_id: int | None = None,
    feedback_type: str = "abuse",
    reporter: str = "",
    message: Message | None = None,
) -> tuple[Complaint, Outcome]:
    """Count a complaint against the edition it is about (else the latest sent to them); they leave and are suppressed."""
    if bulletin_id is None:
        bulletin_id = latest_edition_sent(session, subscriber.id)
    complaint = Complaint(
        subscriber_id=subscriber.id,
        bulletin_id=bulletin_id,
        feedback_type=feedback_type[:40] or "abuse",
        reporter=reporter[:200],
        message_pk=message.id if message is not None else None,
        at=utcnow(),
    )
    session.add(complaint)
    edition = f"edition {bulletin_id}" if bulletin_id is not None else "no edition"
    outcome = leave_after_complaint(
        session, subscriber, f"{feedback_type} report from {reporter or 'unknown'} ({edition})"
    )
    return complaint, outcome


def complaint_list(session: Session) -> list[dict]:
    """Every complaint, newest first: who (blank once forgotten), which edition, what kind, from whom."""
    rows = session.execute(
        select(Complaint, Subscriber.email, Bulletin.number)
        .outerjoin(Subscriber, Subscriber.id == Complaint.subscriber_id)
        .outerjoin(Bulletin, Bulletin.id == Complaint.bulletin_id)
        .order_by(Complaint.at.desc(), Complaint.id.desc())
    ).all()
    return [
        {
            "at": c.at.isoformat(timespec="seconds"),
            "email": email or "",
            "bulletin_id": c.bulletin_id,
            "bulletin_number": number,
            "feedback_type": c.feedback_type,
            "reporter": c.reporter,
        }
        for c, email, number in rows
    ]


def complaint_summary(session: Session) -> list[dict]:
    """Per edition: complaints, copies sent, and the rate in percent (providers want it under 0.3)."""
    counts = dict(session.execute(select(Complaint.bulletin_id, func.count()).group_by(Complaint.bulletin_id)).all())
    sent = dict(
        session.execute(
            select(Outgoing.bulletin_id, func.count())
            .where(
                Outgoing.kind == "bulletin",
                Outgoing.status == "sent",
                Outgoing.bulletin_id.in_([b for b in counts if b is not None]),
            )
            .group_by(Outgoing.bulletin_id)
        ).all()
    )
    numbers = dict(session.execute(select(Bulletin.id, Bulletin.number)).all())
    summary = []
    for bulletin_id, complaints in sorted(counts.items(), key=lambda kv: (kv[0] is None, -(kv[0] or 0))):
        copies = sent.get(bulletin_id, 0)
        summary.append(
            {
                "bulletin_id": bulletin_id,
                "bulletin_number": numbers.get(bulletin_id) if bulletin_id is not None else None,
                "complaints": complaints,
                "copies_sent": copies,
                "rate_percent": round(100.0 * complaints / copies, 3) if copies else None,
            }
        )
    return summary
