"""Build outgoing messages and queue them in the `outgoing` table.

Queuing happens inside the caller's transaction, so a reply exists exactly when
the result it reports was committed. An automatic reply (`queue_reply`) joins the
rows its handler adds and is inserted with them when the intake driver flushes;
`queue_message` inserts its row at once, for callers that use its id. The outbox
spools queued rows to disk after commit (pipeline/outbound/outbox.py).
"""

from __future__ import annotations

import binascii
import datetime as dt
import functools
import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email import quoprimime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr

from sqlalchemy.orm import Session

from pipeline.config import Settings
from pipeline.mail import IncomingMail
from pipeline.store import counters
from pipeline.store.models import Message, Outgoing

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
    msg["Date"] = format_datetime(dt.datetime.now(dt.UTC))
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
    `limits.auto_replies_per_day` times to one address in a day. The row is not
    flushed (it has no id yet): link rows to it by relationship.
    """
    allowed, _why = may_auto_reply(settings, mail)
    if not allowed or not counters.count_auto_reply(session, mail.from_addr, settings.limits.auto_replies_per_day):
        return None
    references = " ".join([*mail.references, mail.message_id]).strip()
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if mail.message_id:
        headers["In-Reply-To"] = mail.message_id
        headers["References"] = references
    if not attachments:
        # A plain-text reply: the same bytes as build_message would give, without
        # building the email package's header objects (most of a reply's cost).
        built = render_text_message(settings, mail.from_addr, subject, text, headers=headers, to_name=mail.from_name)
    else:
        built = _built(
            build_message(
                settings,
                mail.from_addr,
                subject,
                text,
                attachments=attachments,
                headers=headers,
                to_name=mail.from_name,
            )
        )
    return _queue_raw(session, settings, built, kind=kind, source=source)


def queue_message(
    session: Session,
    settings: Settings,
    msg: EmailMessage,
    *,
    kind: str,
    source: Message | None = None,
    bulletin_id: int | None = None,
    subscriber_id: int | None = None,
    envelope_from: str = "",
) -> Outgoing:
    """Record a built message as queued for the outbox; the row is inserted at once (it has its id)."""
    row = _queue_raw(
        session,
        settings,
        _built(msg),
        kind=kind,
        source=source,
        bulletin_id=bulletin_id,
        subscriber_id=subscriber_id,
        envelope_from=envelope_from,
    )
    session.flush()
    return row


def _built(msg: EmailMessage) -> Built:
    return Built(
        raw=msg.as_bytes(policy=SMTP),
        recipient=_bare_address(str(msg["To"])),
        subject=str(msg["Subject"] or ""),
        message_id=str(msg["Message-ID"] or ""),
    )


def _queue_raw(
    session: Session,
    settings: Settings,
    built: Built,
    *,
    kind: str,
    source: Message | None = None,
    bulletin_id: int | None = None,
    subscriber_id: int | None = None,
    envelope_from: str = "",
) -> Outgoing:
    row = Outgoing(
        kind=kind,
        recipient=built.recipient,
        envelope_from=envelope_from or settings.smtp.from_address,
        subject=built.subject,
        message_id=built.message_id,
        raw=built.raw,
        bulletin_id=bulletin_id,
        subscriber_id=subscriber_id,
        source_message=source,
        status="queued",
    )
    session.add(row)
    return row


def _bare_address(header_value: str) -> str:
    return parseaddr(header_value)[1].lower()


# ---- plain-text messages without the email package's header objects ----------------------
#
# EmailMessage parses every header value into a header object when it is set and
# folds it again when written: ~2 ms a reply, most of an acknowledgement's cost.
# A header whose value is short, printable ASCII with single spaces is written by
# the email package exactly as "Name: value", so such values are written directly;
# any other value (non-ASCII, long, unusual characters) goes through the email
# package's own parse and fold, header by header. The sanitising is the same
# (clean_header, header_text, display_name, message_ids), so header-injection
# safety is unchanged; tests/mail/test_compose_fast_path.py checks the bytes are
# identical to build_message's.


@dataclass(frozen=True)
class Built:
    raw: bytes
    recipient: str
    subject: str
    message_id: str


# The SMTP policy sets 78; None (no limit) is only for policies we do not use.
assert SMTP.max_line_length is not None
_MAX_LINE = SMTP.max_line_length  # 78
_SIMPLE_TEXT = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/^_`{|}~-]"
_SIMPLE_NAME = re.compile(rf"{_ATEXT}+(?: {_ATEXT}+)*")
_SIMPLE_ADDR = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_NEWLINES = re.compile(r"\r\n|\r|\n")  # as email.generator writes payload lines


def _folded(name: str, value: object) -> tuple[bytes, str]:
    """One header as the email package writes it (SMTP policy), and its decoded value."""
    header_name, header = SMTP.header_store_parse(name, value)
    return SMTP.fold_binary(header_name, header), str(header)


def _text_header(name: str, value: str) -> tuple[bytes, str]:
    if len(name) + 2 + len(value) <= _MAX_LINE and "=?" not in value and _SIMPLE_TEXT.fullmatch(value):
        return f"{name}: {value}\r\n".encode("ascii"), value
    return _folded(name, value)


def address_header(name: str, display: str, addr_spec: str) -> tuple[bytes, str]:
    """An address header (CRLF-terminated bytes) as the email package writes it, and its value."""
    value = f"{display} <{addr_spec}>" if display else addr_spec
    if (
        len(name) + 2 + len(value) <= _MAX_LINE
        and _SIMPLE_ADDR.fullmatch(addr_spec)
        and (not display or _SIMPLE_NAME.fullmatch(display))
    ):
        return f"{name}: {value}\r\n".encode("ascii"), value
    return _folded(name, Address(display_name=display, addr_spec=addr_spec))


@functools.lru_cache(maxsize=32)
def _fixed_header(name: str, value: str, display: str | None = None) -> bytes:
    """Our own From (an Address, as build_message sets it) or Reply-To (text): the same every time, folded once."""
    return _folded(name, value if display is None else Address(display_name=display, addr_spec=value))[0]


@functools.lru_cache(maxsize=8)
def _content_headers(cte: str) -> bytes:
    return b"".join(
        _folded(name, value)[0]
        for name, value in (
            ("Content-Type", 'text/plain; charset="utf-8"'),
            ("Content-Transfer-Encoding", cte),
            ("MIME-Version", "1.0"),
        )
    )


def _text_body(text: str) -> tuple[str, bytes]:
    """(Content-Transfer-Encoding, body bytes) as EmailMessage.set_content(text) + as_bytes(policy=SMTP) give them."""
    lines = text.encode("utf-8").splitlines()
    if max((len(line) for line in lines), default=0) <= _MAX_LINE:
        body = b"\r\n".join(lines) + b"\r\n"
        return ("7bit" if body.isascii() else "8bit"), body  # SMTP policy: cte_type 8bit
    sniff = b"\r\n".join(lines[:10]) + b"\r\n"
    sniff_qp = quoprimime.body_encode(sniff.decode("latin-1"), _MAX_LINE)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
        embedded = b"\r\n".join(lines) + b"\r\n"
        step = _MAX_LINE // 4 * 3
        payload = "".join(
            binascii.b2a_base64(embedded[i : i + step]).decode("ascii") for i in range(0, len(embedded), step)
        )
        return "base64", "\r\n".join(_NEWLINES.split(payload)).encode("ascii")
    if len(lines) <= 10:
        payload = sniff_qp
    else:
        payload = quoprimime.body_encode((b"\n".join(lines) + b"\n").decode("latin-1"), _MAX_LINE)
    return "quoted-printable", "\r\n".join(_NEWLINES.split(payload)).encode("ascii")


def render_text_message(
    settings: Settings, to: str, subject: str, text: str, headers: dict[str, str] | None = None, to_name: str = ""
) -> Built:
    """A plain-text message from our address to one recipient: build_message(...).as_bytes(policy=SMTP), faster."""
    to_header, to_value = address_header("To", display_name(to_name), clean_header(to))
    subject_header, subject_value = _text_header("Subject", header_text(subject))
    message_id = make_msgid(domain=domain_of(settings.smtp.from_address))
    parts = [
        _fixed_header("From", settings.smtp.from_address, display_name(settings.network.name)),
        to_header,
        subject_header,
        _text_header("Date", format_datetime(dt.datetime.now(dt.UTC)))[0],
        _text_header("Message-ID", message_id)[0],
    ]
    if settings.smtp.reply_to:
        parts.append(_fixed_header("Reply-To", settings.smtp.reply_to))
    parts.append(b"X-MLN-Bulletin: 1\r\n")
    for name, value in (headers or {}).items():
        parts.append(
            _text_header(
                name, message_ids(value) if name.lower() in ("in-reply-to", "references") else header_text(value)
            )[0]
        )
    cte, body = _text_body(text)
    raw = b"".join(parts) + _content_headers(cte) + b"\r\n" + body
    return Built(raw=raw, recipient=_bare_address(to_value), subject=subject_value, message_id=message_id)
