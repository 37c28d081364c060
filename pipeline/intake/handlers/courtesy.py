"""Courtesy replies: the sender of a message we could not act on is told so, in the same pass.

A member who hears nothing believes their message arrived and was filed. So a message
over the size limit, one that could not be parsed, one whose handler failed, and a
list request with nothing to do each get a short plain answer. None of them goes to
automatic mail (queue_reply refuses it), and none goes to any address but the sender's.

Anyone can write any From, so a stranger could make us write to someone else's address
by sending in their name. The notes that could be repeated that way (`once_a_day`) go at
most once a day to one address, on top of the daily limit of automatic replies.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.compose import queue_reply
from pipeline.config import Settings
from pipeline.localtime import local_now
from pipeline.mail import IncomingMail, parse_mail
from pipeline.store import db
from pipeline.store.models import Message, Outgoing, utcnow

log = logging.getLogger(__name__)

ONCE_A_DAY = dt.timedelta(hours=24)
HEADERS_READ = 64 * 1024  # an unparseable message's sender is read from at most this much of its start
TOLD = "; the sender was told"
NOT_TOLD = "; no reply sent (automatic mail or daily limit)"


def signature(settings: Settings) -> list[str]:
    return ["", f"-- \n{settings.network.name}", "This is an automatic reply."]


def reply(
    session: Session, settings: Settings, mail: IncomingMail, record: Message, kind: str, subject: str, lines: list[str]
) -> str:
    """Queue a reply to the sender; TOLD or NOT_TOLD, for the message's reason."""
    sent = queue_reply(
        session,
        settings,
        mail,
        subject=subject,
        text="\n".join([*lines, *signature(settings)]),
        kind=kind,
        source=record,
    )
    return TOLD if sent is not None else NOT_TOLD


def once_a_day(
    session: Session, settings: Settings, mail: IncomingMail, record: Message, kind: str, subject: str, lines: list[str]
) -> str:
    """`reply`, unless a note of this kind already went to this sender in the last day."""
    if last_sent(session, mail.from_addr, kind, since=utcnow() - ONCE_A_DAY) is not None:
        return "; the sender was already told today"
    return reply(session, settings, mail, record, kind, subject, lines)


def last_sent(session: Session, address: str, kind: str, since: dt.datetime | None = None) -> dt.datetime | None:
    """When a message of `kind` last went to `address` (since `since`), or None."""
    query = select(func.max(Outgoing.created_at)).where(
        Outgoing.kind == kind, func.lower(Outgoing.recipient) == (address or "").strip().lower()
    )
    if since is not None:
        query = query.where(Outgoing.created_at >= since)
    return session.scalar(query)


def when(settings: Settings, value: dt.datetime) -> str:
    """'14:05 on Sunday 6 December 2026 (Europe/London)': a time a member can match to their inbox."""
    local = local_now(settings, value)
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B %Y} ({settings.network.timezone})"


# ---- too big to read -------------------------------------------------------------------------


def too_big(session: Session, settings: Settings, mail: IncomingMail, record: Message, size: int) -> str:
    """A message over limits.max_message_bytes: only its headers were read; ask for a smaller file."""
    network = settings.network
    subject = " ".join((mail.subject or "").split())[:120]
    lines = [
        f"Thank you for your message{_quoted(subject)}.",
        "",
        f"It is {_size(size)}, which is over our limit of {_size(settings.limits.max_message_bytes)} for one "
        "message, so we could not open it or read any attachment in it. Nothing from it has been filed.",
        "",
        "Please send it again with a smaller file: for example the Word form without pictures or logos, "
        "or the pictures as separate, smaller messages. Plain text in the body of an email is also fine.",
        f"If you cannot make it smaller, write to {network.shared_address} and the communications lead will help.",
    ]
    return reply(session, settings, mail, record, "reply", "Your message was too large for us to read", lines)


def _quoted(subject: str) -> str:
    return f' "{subject}"' if subject else ""


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    return f"{max(1, round(n / 1024))} KB"


# ---- quarantined: could not be parsed, or its handler failed --------------------------------


def answer_quarantined(settings: Settings, messages: Sequence[tuple[int, IncomingMail | None, bytes]]) -> None:
    """Tell each sender their message arrived but could not be processed: (row id, parsed mail or None, raw).

    Called after the commit that recorded the quarantine, in a transaction of its own: a
    failure here is logged and the pass goes on, and the quarantine stands either way.
    """
    for record_id, mail, raw in messages:
        try:
            _answer_one(settings, record_id, mail if mail is not None else _headers_of(raw))
        except Exception as exc:  # noqa: BLE001 - a courtesy reply must never stop the pass
            log.warning("could not queue the reply to quarantined message %s: %s", record_id, exc)


def _answer_one(settings: Settings, record_id: int, mail: IncomingMail | None) -> None:
    if mail is None or not mail.from_addr:
        return
    network = settings.network
    subject = " ".join((mail.subject or "").split())[:120]
    lines = [
        f"We received your message{_quoted(subject)}, but could not process it.",
        "",
        "The communications lead has been told and will look at it; you do not need to send it again.",
        f"If it was urgent, write to {network.shared_address}.",
    ]
    with db.transaction(settings.database.url) as session:
        record = session.get(Message, record_id)
        if record is None or record.outcome != "quarantined":
            return
        told = reply(session, settings, mail, record, "reply", "We received your message", lines)
        record.reason = (record.reason + told)[:4000]


def _headers_of(raw: bytes) -> IncomingMail | None:
    """The sender and the automatic-mail headers of a message the full parser failed on, from its headers only."""
    head = raw[:HEADERS_READ]
    for end in (b"\r\n\r\n", b"\n\n"):
        cut = head.find(end)
        if cut >= 0:
            head = head[: cut + len(end)]
            break
    try:
        return parse_mail(head)
    except Exception:  # noqa: BLE001 - headers too broken to read: no safe address to answer
        return None
