"""Build outgoing messages and queue them in the `outgoing` table.

Queuing happens inside the caller's transaction, so a reply exists exactly when
the result it reports was committed. The outbox spools queued rows to disk
after commit (pipeline/outbox.py).
"""
from __future__ import annotations

import datetime as dt
import mimetypes
import re
from email.message import EmailMessage
from email.policy import SMTP
from email.headerregistry import Address
from email.utils import format_datetime, make_msgid
from typing import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .config import Settings
from .mail import IncomingMail
from .models import AutoReplyCount, Message, Outgoing, utcnow

AttachmentSpec = tuple[str, str, bytes]  # (filename, content type or "", data)


_LINE_BREAKING = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]+")
_MSG_ID = re.compile(r"<[^<>\s]+@[^<>\s]+>")


def clean_header(value: str) -> str:
    """One line: CR, LF, other control characters and Unicode line separators become spaces."""
    return _LINE_BREAKING.sub(" ", value or "").strip()


def header_text(value: str) -> str:
    """Text for a header (subject, display name), safe from header injection.

    The email package decodes RFC 2047 encoded words in header text, both when a
    value is set and again when the message is written out, so a sender's
    '=?utf-8?q?=0D=0ABcc:...?=' would become a real line break and a Bcc. A space
    after '=' keeps any such text from being read as an encoded word.
    """
    return clean_header(value).replace("=?", "= ?")


def display_name(value: str) -> str:
    """A display name with no address syntax in it, at most 60 characters.

    Python's email package drops the quotes of a long display name when it
    folds the header, so ':', ';', ',' or '@' inside would be read as
    addresses. The name is only a courtesy, so those characters go.
    """
    name = re.sub(r'[()<>\[\]:;@\\,."]+', " ", header_text(value))
    return " ".join(name.split())[:60].strip()


def message_ids(value: str) -> str:
    """Only well-formed <id@host> message ids, space-separated (In-Reply-To, References)."""
    return " ".join(_MSG_ID.findall(clean_header(value)))


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1] if "@" in address else "localhost"


def build_message(
    settings: Settings,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[AttachmentSpec] = (),
    headers: dict[str, str] | None = None,
    to_name: str = "",
) -> EmailMessage:
    """A complete message from our address to one recipient."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = Address(display_name=display_name(settings.network.name), addr_spec=settings.smtp.from_address)
    # An Address object, not a formatted string: a display name with ':' or '@' can
    # never be re-read as another recipient.
    msg["To"] = Address(display_name=display_name(to_name), addr_spec=clean_header(to))
    msg["Subject"] = header_text(subject)
    msg["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    msg["Message-ID"] = make_msgid(domain=domain_of(settings.smtp.from_address))
    if settings.smtp.reply_to:
        msg["Reply-To"] = settings.smtp.reply_to
    # Lets our inbox rules recognise our own mail if it ever comes back.
    msg["X-MLN-Bulletin"] = "1"
    for name, value in (headers or {}).items():
        msg[name] = message_ids(value) if name.lower() in ("in-reply-to", "references") else header_text(value)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        ctype = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def may_auto_reply(settings: Settings, mail: IncomingMail) -> tuple[bool, str]:
    """Whether an automatic reply to this message is allowed, and why not."""
    if not mail.from_addr:
        return False, "no sender address"
    if mail.is_auto_submitted:
        return False, "the message is automatic (auto-submitted, bulk, list or bounce)"
    ours = {settings.smtp.from_address.lower(), settings.smtp.reply_to.lower(), settings.network.shared_address.lower()}
    local, _, domain = mail.from_addr.partition("@")
    if mail.from_addr in ours or any(local.split("+")[0] + "@" + domain == own for own in ours):
        return False, "the message came from our own address"
    return True, ""


def queue_reply(
    session: Session,
    settings: Settings,
    mail: IncomingMail,
    *,
    subject: str,
    text: str,
    kind: str = "reply",
    attachments: Sequence[AttachmentSpec] = (),
    source: Message | None = None,
) -> Outgoing | None:
    """Queue an automatic reply to the sender of `mail`, or return None when it must not be sent.

    Never replies to automatic mail, to ourselves, or more than
    `limits.auto_replies_per_day` times to one address in a day.
    """
    allowed, _why = may_auto_reply(settings, mail)
    if not allowed or not _count_auto_reply(session, settings, mail.from_addr):
        return None
    references = " ".join([*mail.references, mail.message_id]).strip()
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if mail.message_id:
        headers["In-Reply-To"] = mail.message_id
        headers["References"] = references
    msg = build_message(settings, mail.from_addr, subject, text, attachments=attachments, headers=headers, to_name=mail.from_name)
    return queue_message(session, settings, msg, kind=kind, source=source)


def queue_message(session: Session, settings: Settings, msg: EmailMessage, *, kind: str,
                  source: Message | None = None, bulletin_id: int | None = None,
                  subscriber_id: int | None = None, envelope_from: str = "") -> Outgoing:
    """Record a built message as queued for the outbox."""
    row = Outgoing(
        kind=kind,
        recipient=_bare_address(str(msg["To"])),
        envelope_from=envelope_from or settings.smtp.from_address,
        subject=str(msg["Subject"] or ""),
        message_id=str(msg["Message-ID"] or ""),
        raw=msg.as_bytes(policy=SMTP),
        bulletin_id=bulletin_id,
        subscriber_id=subscriber_id,
        source_message_pk=source.id if source is not None else None,
        status="queued",
    )
    session.add(row)
    session.flush()
    return row


def _bare_address(header_value: str) -> str:
    from email.utils import parseaddr

    return parseaddr(header_value)[1].lower()


def _count_auto_reply(session: Session, settings: Settings, address: str) -> bool:
    """Count one automatic reply to `address` today; False once today's limit is reached."""
    today = utcnow().date()
    address = address.lower()
    row = session.scalar(select(AutoReplyCount).where(AutoReplyCount.address == address, AutoReplyCount.day == today).with_for_update())
    if row is None:
        try:
            with session.begin_nested():
                row = AutoReplyCount(address=address, day=today, count=0)
                session.add(row)
        except IntegrityError:  # another worker counted first: use its row
            row = session.scalar(select(AutoReplyCount).where(AutoReplyCount.address == address, AutoReplyCount.day == today).with_for_update())
    assert row is not None
    if row.count >= settings.limits.auto_replies_per_day:
        return False
    row.count += 1
    return True
