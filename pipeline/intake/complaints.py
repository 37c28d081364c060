"""Spam complaints: ARF feedback reports (RFC 5965) read into who complained, about which copy.

A mailbox provider's feedback loop (Yahoo's Complaint Feedback Loop, AOL's, Microsoft's
JMRP) sends a `multipart/report; report-type=feedback-report` message when a reader
presses "report spam": a human-readable part, a `message/feedback-report` part
(Feedback-Type, User-Agent, Original-Rcpt-To, Original-Mail-From, Arrival-Date...) and
the original message or its headers (`message/rfc822` / `text/rfc822-headers`).

Providers redact the reader's address (AOL writes `redacted@aol.com`), so what is read
here is every clue: Original-Rcpt-To, Microsoft's X-HmXmrOriginalRecipient, the
original's To, its Message-ID, and our own tokens in it (the List-Unsubscribe address,
the VERP envelope sender). Which clue proves whom is the handler's question
(pipeline/intake/handlers/complaint.py).
"""

from __future__ import annotations

import email
import email.message
import email.utils
import re
from dataclasses import dataclass
from email.parser import HeaderParser

from pipeline.intake.bounces import MAX_SCAN_BYTES, find_verp_token
from pipeline.mail import IncomingMail
from pipeline.people.subscribers import find_token

_ORIGINAL_TYPES = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers")
_ANGLED_ID = re.compile(r"<[^<>\s]{1,900}>")


@dataclass(frozen=True)
class FeedbackReport:
    """What one feedback report says (addresses lower case; empty when the provider redacted them)."""

    feedback_type: str = ""
    user_agent: str = ""
    reporter: str = ""  # the domain that sent the report
    recipients: tuple[str, ...] = ()  # Original-Rcpt-To, X-HmXmrOriginalRecipient, the original's To
    original_message_id: str = ""
    unsubscribe_token: str | None = None  # from the original's List-Unsubscribe
    bounce_token: str | None = None  # from the original's Return-Path (our VERP address)
    arrival_date: str = ""


def is_feedback_report(mail: IncomingMail) -> bool:
    """Whether a message is an ARF report: by its structure, never its subject."""
    if mail.content_type == "multipart/report" and "feedback-report" in mail.header("content-type").lower():
        return True
    if b"message/feedback-report" not in mail.raw.lower() or len(mail.raw) > MAX_SCAN_BYTES:
        return False
    try:
        message = email.message_from_bytes(mail.raw)
        return any(part.get_content_type() == "message/feedback-report" for part in message.walk())
    except RecursionError:
        return False


def read_feedback_report(raw: bytes, verp_domain_hint: str | None = None) -> FeedbackReport:
    """The fields of a feedback report and the clues to the reader in the original it carries."""
    message = email.message_from_bytes(raw[:MAX_SCAN_BYTES])
    fields = _report_fields(message)
    original = _original(message)
    recipients = [
        *_addresses(fields.get_all("Original-Rcpt-To") or []),
        *_addresses(fields.get_all("Removal-Recipient") or []),
    ]
    message_id = ""
    if original is not None:
        recipients += _addresses(original.get_all("X-HmXmrOriginalRecipient") or [])
        recipients += _addresses(original.get_all("To") or [])
        found = _ANGLED_ID.search(str(original.get("Message-ID", "")))
        message_id = found.group(0) if found else ""
    return FeedbackReport(
        feedback_type=str(fields.get("Feedback-Type", "")).strip().lower(),
        user_agent=str(fields.get("User-Agent", "")).strip(),
        reporter=_domain(str(message.get("From", ""))),
        recipients=tuple(dict.fromkeys(a for a in recipients if not a.startswith("redacted@"))),
        original_message_id=message_id,
        unsubscribe_token=find_token("unsubscribe", str(original.get("List-Unsubscribe", ""))) if original else None,
        bounce_token=find_verp_token(original, verp_domain_hint) if original is not None else None,
        arrival_date=str(fields.get("Arrival-Date") or fields.get("Received-Date") or "").strip(),
    )


def _report_fields(message: email.message.Message) -> email.message.Message:
    """The message/feedback-report part's fields (the stdlib may parse it as headers or as text)."""
    for part in message.walk():
        if part.get_content_type() != "message/feedback-report":
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], email.message.Message):
            merged = email.message.Message()
            for block in payload:
                for name, value in block.items() if isinstance(block, email.message.Message) else []:
                    merged[name] = value
            return merged
        data = part.get_payload(decode=True)
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(payload)
        return HeaderParser().parsestr(text.strip() + "\n\n")
    return email.message.Message()


def _original(message: email.message.Message) -> email.message.Message | None:
    """The reported message (or its headers) as the report carries it."""
    for part in message.walk():
        if part is message or part.get_content_type() not in _ORIGINAL_TYPES:
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload and isinstance(payload[0], email.message.Message):
            return payload[0]
        data = part.get_payload(decode=True)
        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(payload)
        return HeaderParser().parsestr(text)
    return None


def _addresses(values: list[str]) -> list[str]:
    return [addr.strip().lower() for _, addr in email.utils.getaddresses([str(v) for v in values]) if "@" in addr]


def _domain(value: str) -> str:
    return email.utils.parseaddr(value)[1].rpartition("@")[2].lower()
