"""Who wrote a forwarded plan: the author of an attached message (message/rfc822), or of the
message quoted under an inline forward header ("---------- Forwarded message ---------",
"-----Original Message-----", "Begin forwarded message:", Outlook's "From: ... Sent: ..." block).

An inline block counts only in a forward (a "FW:"/"Fwd:" subject or an explicit forward
marker): in a reply, the same block is the quoted history, often our own acknowledgement.
"""

from __future__ import annotations

import email.utils
import re
from dataclasses import dataclass
from email.parser import BytesHeaderParser

from pipeline.mail import IncomingMail, decode_header_value

_FORWARD_SUBJECT = re.compile(r"^\s*((re|aw|sv)\s*:\s*)*(fw|fwd|fwdg|tr|wg|vs|rv)\s*:", re.I)
_MARKER = re.compile(
    r"^[\s>]*(-{2,}\s*forwarded message\s*-{2,}|begin forwarded message\s*:|-{2,}\s*original message\s*-{2,}|"
    r"_{10,})\s*$",
    re.I | re.M,
)
_EXPLICIT = re.compile(r"forwarded message|begin forwarded", re.I)
_FROM_LINE = re.compile(r"^[\s>*]*from\s*:\s*\**\s*(?P<value>.+?)\s*$", re.I | re.M)
_SENT_LINE = re.compile(r"^[\s>*]*(sent|date)\s*:", re.I)
_SUBJECT_LINE = re.compile(r"^[\s>*]*subject\s*:\s*(?P<value>.*?)\s*$", re.I)
_MAILTO = re.compile(r"\[mailto:([^\]\s]+)\]", re.I)


@dataclass(frozen=True)
class Forward:
    """The original author of a forwarded message, and how we know."""

    author_addr: str  # '' when the forward names the author without an address
    author_name: str
    message_id: str = ""  # the forwarded message's own Message-ID, when it was attached whole
    subject: str = ""
    how: str = "attached message"  # or "inline"


def find_forward(mail: IncomingMail, ours: frozenset[str] = frozenset()) -> Forward | None:
    """The original author, if this message forwards someone else's message; else None.

    `ours` are our own addresses: a forward of our own reply names nobody.
    """
    for found in (_attached(mail), _inline(mail)):
        if found is None or found.author_addr in ours | {mail.from_addr}:
            continue
        if found.author_addr or found.author_name:
            return found
    return None


def same_person(name: str, other: str) -> bool:
    """'Okafor Helen (LEEDS COMMUNITY TRUST)' and 'Helen Okafor' name one person: the words of the shorter
    name (two at least) are all in the longer, once brackets are left out."""

    def words(text: str) -> set[str]:
        return {w for w in re.sub(r"\(.*?\)|\[.*?\]", " ", text.casefold()).replace(",", " ").split() if len(w) > 1}

    a, b = words(name), words(other)
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return len(shorter) >= 2 and shorter <= longer


def _attached(mail: IncomingMail) -> Forward | None:
    for attachment in mail.attachments:
        if attachment.content_type != "message/rfc822":
            continue
        headers = BytesHeaderParser().parsebytes(attachment.data[:200_000])
        name, addr = email.utils.parseaddr(str(headers.get("From", "")))
        if addr and "@" in addr:
            return Forward(
                author_addr=_lower_domain(addr),
                author_name=decode_header_value(name).strip(),
                message_id=str(headers.get("Message-ID", "")).strip(),
                subject=decode_header_value(str(headers.get("Subject", ""))).strip(),
            )
    return None


def _inline(mail: IncomingMail) -> Forward | None:
    text = mail.text or ""
    if not (_FORWARD_SUBJECT.match(mail.subject or "") or _EXPLICIT.search(text)):
        return None
    lines = text.splitlines()
    marker = _MARKER.search(text)
    start = text[: marker.start()].count("\n") if marker else 0
    for index in range(start, min(len(lines), start + 400)):
        found = _FROM_LINE.match(lines[index])
        if found is None or not _header_block(lines, index):
            continue
        name, addr = _author(found.group("value"))
        if addr or name:
            subject = next(
                (m.group("value") for line in lines[index : index + 6] if (m := _SUBJECT_LINE.match(line))), ""
            )
            return Forward(author_addr=addr, author_name=name, subject=subject, how="inline")
    return None


def _header_block(lines: list[str], index: int) -> bool:
    """A From: line opening a forwarded header block: a Sent: or Date: line within the next few lines."""
    return any(_SENT_LINE.match(line) for line in lines[index + 1 : index + 5])


def _author(value: str) -> tuple[str, str]:
    """'Helen Okafor <helen@x>', 'Okafor Helen [mailto:helen@x]', 'helen@x' -> (name, address)."""
    mailto = _MAILTO.search(value)
    if mailto:
        return value[: mailto.start()].strip(" \"'"), _lower_domain(mailto.group(1))
    name, addr = email.utils.parseaddr(value.replace("*", ""))
    if "@" not in addr:
        # Exchange inside one organisation writes only the name: 'From: Okafor Helen (LEEDS TRUST)'.
        plain = value.replace("*", "").strip(" \"'")
        return (plain, "") if plain and "@" not in plain and "<" not in plain else ("", "")
    return name.strip(), _lower_domain(addr)


def _lower_domain(addr: str) -> str:
    local, _, domain = addr.strip().strip("<>").rpartition("@")
    return f"{local.lower()}@{domain.lower()}"
