"""Who bounced: our VERP token first, then flufl.bounce's detectors over the whole message.

Every bulletin copy goes out with the envelope sender `bulletin+bounce-TOKEN@domain`
(VERP), so a bounce names the delivery it is about. The token is looked for where
servers put that address: the To / Delivered-To / X-Original-To of the bounce, and
inside the DSN (the returned headers or message, the delivery-status fields). The
failing addresses and whether the failure is temporary come from flufl.bounce, which
knows the DSN format and many older home-grown ones.

Mailman's rule is followed for VERP bounces: a temporary failure is ignored, anything
else counts as a permanent failure even when no detector recognised the format.

The Message-IDs the bounce quotes from the returned message are reported too: a bounce
without a usable token counts only if it quotes the Message-ID of a copy we sent to the
address it names (pipeline/intake/handlers/bounce.py); anyone can write a DSN.
"""

from __future__ import annotations

import email
import email.message
import re
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser

from flufl.bounce import _scan, all_failures

# Beyond this a message is not a bounce worth running heuristics on (bounded time per message).
MAX_SCAN_BYTES = 5 * 1024 * 1024
MAX_HEADER_BYTES = 1024 * 1024
_TOKEN = r"[A-Za-z0-9._=-]+"
_VERP = re.compile(rf"[A-Za-z0-9._%-]+\+bounce-(?P<token>{_TOKEN})@(?P<domain>[A-Za-z0-9.-]+)")
_ENVELOPE_HEADERS = ("x-original-to", "delivered-to", "envelope-to", "x-envelope-to", "to")
_RETURNED_TYPES = ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers", "message/delivery-status")
_QUOTED_MESSAGE_ID = re.compile(r"^[ \t>]*Message-ID:[ \t]*(<[^<>\s]{1,900}>)", re.IGNORECASE | re.MULTILINE)
MAX_QUOTED_IDS = 20


@dataclass(frozen=True)
class BounceReport:
    """What a bounce says: failing addresses (lower case) and our VERP token if present."""

    permanent: set[str] = field(default_factory=set)
    temporary: set[str] = field(default_factory=set)
    verp_token: str | None = None
    error: str | None = None  # why the detectors could not run, if they could not
    quoted_message_ids: frozenset[str] = frozenset()  # of the returned message, as <id@host>

    @property
    def is_permanent(self) -> bool:
        """True when this bounce should count against a subscriber."""
        if self.verp_token:
            return bool(self.permanent) or not self.temporary
        return bool(self.permanent)

    @property
    def found_anything(self) -> bool:
        return bool(self.permanent or self.temporary or self.verp_token)


def make_verp_address(token: str, domain: str, local_part: str = "bulletin") -> str:
    """The envelope sender for one delivery: local+bounce-TOKEN@domain."""
    if not re.fullmatch(_TOKEN, token):
        raise ValueError(f"a VERP token may hold only letters, digits and . _ = -: {token!r}")
    return f"{local_part}+bounce-{token}@{domain}"


def find_bounced_addresses(raw: bytes, verp_domain_hint: str | None = None) -> BounceReport:
    """Read one bounce message (raw bytes) and report who bounced, and how.

    `verp_domain_hint`: when given, only a VERP address at this domain counts as ours.
    """
    if len(raw) > MAX_SCAN_BYTES:
        headers = BytesHeaderParser().parsebytes(raw[:MAX_HEADER_BYTES])  # envelope headers only
        token = _token_in_headers(headers, verp_domain_hint)
        return BounceReport(verp_token=token, error=f"message of {len(raw)} bytes is too large to scan")
    try:
        message = email.message_from_bytes(raw)
        token = find_verp_token(message, verp_domain_hint)
    except RecursionError:  # hostile nesting: the stdlib parser gives up, and so do we, politely
        return BounceReport(error="the message is nested too deeply to read")
    (temporary, permanent), errors = _run_detectors(message)
    return BounceReport(
        permanent=_addresses(permanent),
        temporary=_addresses(temporary) - _addresses(permanent),
        verp_token=token,
        error="; ".join(errors) or None,
        quoted_message_ids=quoted_message_ids(message),
    )


def _run_detectors(message: email.message.Message) -> tuple[tuple[frozenset, frozenset], list[str]]:
    """flufl.bounce's own loop (first detector that finds something wins), one detector at a time.

    all_failures() re-raises when any detector fails, and some do on odd input (the Yale
    detector raises IndexError on a message without From): skip that detector, go on.
    """
    detectors = getattr(_scan, "_DETECTORS", None)
    if detectors is None:  # a flufl.bounce without the list: use its public loop as is
        try:
            return all_failures(message), []
        except Exception as exc:  # noqa: BLE001 - see above
            return (frozenset(), frozenset()), [f"{type(exc).__name__}: {exc}"]
    errors = []
    for detector in detectors:
        try:
            temporary, permanent = detector().process(message)
        except Exception as exc:  # noqa: BLE001 - one broken heuristic must not hide the others
            errors.append(f"{detector.__name__} failed: {type(exc).__name__}: {exc}")
            continue
        if temporary or permanent:
            return (frozenset(temporary), frozenset(permanent)), errors
    return (frozenset(), frozenset()), errors


def find_verp_token(message: email.message.Message, domain_hint: str | None = None) -> str | None:
    """Our bounce token from the envelope headers, else from the returned parts, else the text."""
    token = _token_in_headers(message, domain_hint)
    if token:
        return token
    for part in message.walk():
        if part.get_content_type() in _RETURNED_TYPES:
            token = _token_in(_part_text(part), domain_hint)
            if token:
                return token
    # Older servers quote the returned message as plain text in the body.
    for part in message.walk():
        if part.get_content_maintype() == "text":
            token = _token_in(_part_text(part), domain_hint)
            if token:
                return token
    return None


def quoted_message_ids(message: email.message.Message) -> frozenset[str]:
    """The Message-IDs a bounce quotes from the returned message (its parts, or text that quotes it)."""
    found: set[str] = set()
    for part in message.walk():
        if part.get_content_type() not in (*_RETURNED_TYPES, "text/plain"):
            continue
        found.update(_QUOTED_MESSAGE_ID.findall(_part_text(part)))
        if len(found) >= MAX_QUOTED_IDS:
            break
    return frozenset(sorted(found)[:MAX_QUOTED_IDS])


def _token_in_headers(message: email.message.Message, domain_hint: str | None) -> str | None:
    for name in _ENVELOPE_HEADERS:
        for value in message.get_all(name) or []:
            token = _token_in(str(value), domain_hint)
            if token:
                return token
    return None


def _token_in(text: str, domain_hint: str | None) -> str | None:
    for match in _VERP.finditer(text):
        if domain_hint is None or match.group("domain").lower() == domain_hint.lower():
            return match.group("token")
    return None


def _part_text(part: email.message.Message) -> str:
    """The text of a part: decoded text, or for message/* parts the returned headers and body."""
    payload = part.get_payload()
    if isinstance(payload, list):  # message/rfc822, message/delivery-status: a list of messages
        return "\n".join(_message_text(sub) for sub in payload if isinstance(sub, email.message.Message))
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return payload if isinstance(payload, str) else ""
    try:
        return data.decode(part.get_content_charset() or "latin-1", "replace")
    except LookupError:  # charsets seen in real bounces include ones Python has never heard of
        return data.decode("latin-1")


def _message_text(message: email.message.Message) -> str:
    try:
        return message.as_string()
    except Exception:  # noqa: BLE001 - broken returned messages cannot always be re-serialised
        return "\n".join(f"{name}: {value}" for name, value in message.items())


def _addresses(found: frozenset[bytes] | set[bytes]) -> set[str]:
    """flufl.bounce returns bytes; keep real addresses, lower case, minus our own VERP ones."""
    addresses = set()
    for item in found:
        address = item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        address = address.strip().strip("<>").lower()
        if "@" in address and not _VERP.fullmatch(address):
            addresses.add(address)
    return addresses
