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

Each failing address's enhanced status code (RFC 3463) and the server's words are read
too, from the DSN's per-recipient fields or the lines that name the address, so that
"5.1.1 user unknown" (the mailbox is gone: disable at once) is told from "5.2.2 mailbox
full" or "5.7.1 blocked" (count one failed edition): `BounceReport.is_hard_for`.

`is_delivery_report` is the routing question ("is this a bounce?"), asked of every
message: by structure (RFC 3464), else by flufl.bounce's detectors, whatever the subject.
"""

from __future__ import annotations

import email
import email.message
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser

from flufl.bounce import _scan, all_failures

from pipeline.mail import IncomingMail
from pipeline.people.subscribers.bounces import is_mailbox_gone, status_in

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
    statuses: Mapping[str, str] = field(default_factory=dict)  # failing address -> enhanced status, e.g. 5.1.1
    diagnostics: Mapping[str, str] = field(default_factory=dict)  # failing address -> the server's words

    @property
    def is_permanent(self) -> bool:
        """True when this bounce should count against a subscriber."""
        if self.verp_token:
            return bool(self.permanent) or not self.temporary
        return bool(self.permanent)

    @property
    def found_anything(self) -> bool:
        return bool(self.permanent or self.temporary or self.verp_token)

    def is_hard_for(self, address: str) -> bool:
        """Whether the report says `address`'s mailbox is gone (disable at once), not merely unreachable.

        A permanent failure with no status code at all (older formats flufl.bounce reads)
        counts as hard: naming the address as failed for good is all such formats say.
        """
        address = address.lower()
        if address not in self.permanent:
            return False
        status = self.statuses.get(address, "")
        return not status or is_mailbox_gone(status, self.diagnostics.get(address, ""))


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
    failed = _addresses(permanent)
    statuses, diagnostics = failure_statuses(message, failed)
    return BounceReport(
        permanent=failed,
        temporary=_addresses(temporary) - failed,
        verp_token=token,
        error="; ".join(errors) or None,
        quoted_message_ids=quoted_message_ids(message),
        statuses=statuses,
        diagnostics=diagnostics,
    )


def failure_statuses(message: email.message.Message, failed: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Each failing address's status code and the server's words: from the DSN fields, else the text."""
    statuses: dict[str, str] = {}
    diagnostics: dict[str, str] = {}
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, email.message.Message):
                continue
            address = _recipient_of(block)
            if not address:
                continue
            words = " ".join(str(block.get(name, "")) for name in ("Diagnostic-Code", "X-Postfix-Diagnostic"))
            status = status_in(str(block.get("Status", "")))
            if not status or status.endswith(".0.0"):
                status = status_in(words) or status
            statuses.setdefault(address, status)
            diagnostics.setdefault(address, words.strip()[:500])
    for address in failed - set(statuses):
        line = _line_naming(message, address)
        if line:
            statuses[address], diagnostics[address] = status_in(line), line[:500]
    return statuses, diagnostics


def _recipient_of(block: email.message.Message) -> str:
    value = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
    address = value.partition(";")[2] if ";" in value else value
    return address.strip().strip("<>").strip().lower()


def _line_naming(message: email.message.Message, address: str) -> str:
    """The line of a text part that names `address` (and the one after, where servers wrap)."""
    for part in message.walk():
        if part.get_content_maintype() != "text":
            continue
        lines = _part_text(part).splitlines()
        for index, line in enumerate(lines):
            if address in line.lower():
                return " ".join(x.strip() for x in lines[index : index + 2])
    return ""


# Senders and subjects that make a message worth running flufl.bounce's detectors on when
# routing. The detectors cost about a millisecond per kilobyte, too much for every
# submission with a big form attached; this only decides whether to look, never the answer.
_MACHINE_SENDER = re.compile(
    r"daemon|postmaster|mailer|deliver|bounce|ndr|smtp|mail.?(service|system|admin|gateway)|system|admin|"
    r"antivirus|gateway|imss|nobody|notif|no.?reply|root@|exchange",
    re.IGNORECASE,
)
_FAILURE_SUBJECT = re.compile(
    r"deliver|undeliver|returned|return(ing)? (mail|message)|fail|bounce|non.?remis|non.?distribu|unzustellbar|"
    r"onbestelbaar|no entregado|non recapitabile|could not be|couldn't be|unknown|rejected|error|warning|"
    r"notification|non.?delivery|not delivered|problem",
    re.IGNORECASE,
)
_REPORT_MARKERS = (b"message/delivery-status", b"text/rfc822-headers")


def is_delivery_report(mail: IncomingMail) -> bool:
    """Whether a message reports a failed delivery: RFC 3464 structure, flufl.bounce recognises it,
    or a mail server (not a person) says a delivery failed and returns the message."""
    return _is_delivery_report(mail.raw, _worth_scanning(mail), _failure_from_a_machine(mail))


def _from_a_machine(mail: IncomingMail) -> bool:
    senders = [mail.from_addr, mail.from_name, mail.header("return-path"), mail.header("sender")]
    return (
        not mail.from_addr
        or mail.is_auto_submitted
        or mail.header("return-path").strip() == "<>"
        or any(_MACHINE_SENDER.search(value or "") for value in senders)
    )


def _worth_scanning(mail: IncomingMail) -> bool:
    return _from_a_machine(mail) or bool(_FAILURE_SUBJECT.search(mail.subject))


def _failure_from_a_machine(mail: IncomingMail) -> bool:
    return _from_a_machine(mail) and bool(_FAILURE_SUBJECT.search(mail.subject))


@functools.lru_cache(maxsize=2)  # `mln rules explain` asks twice; bytes cache their own hash
def _is_delivery_report(raw: bytes, worth_scanning: bool, failure_from_a_machine: bool) -> bool:
    if len(raw) > MAX_SCAN_BYTES:
        return False
    if not worth_scanning and not any(marker in raw.lower() for marker in _REPORT_MARKERS):
        return False
    try:
        message = email.message_from_bytes(raw)
        if _has_dsn_structure(message):
            return True
        returns_a_message = any(part.get_content_type() in _RETURNED_TYPES for part in message.walk())
        _drop_binary_parts(message)
        (temporary, permanent), _ = _run_detectors(message)
    except RecursionError:
        return False
    if _addresses(set(temporary) | set(permanent)):
        return True
    # A format no detector knows (Exim's "returning message to sender" from a relay, old gateways):
    # a server's failure notice with the message attached is still a bounce, held if it names no one.
    return failure_from_a_machine and returns_a_message


def _has_dsn_structure(message: email.message.Message) -> bool:
    if message.get_content_type() == "multipart/report" and (
        str(message.get_param("report-type", "")).lower() == "delivery-status"
    ):
        return True
    return any(part.get_content_type() == "message/delivery-status" for part in message.walk())


def _drop_binary_parts(message: email.message.Message) -> None:
    """Empty every attachment that is not text or a message: the detectors read only those."""
    for part in message.walk():
        if not part.is_multipart() and part.get_content_maintype() not in ("text", "message"):
            part.set_payload("")


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
