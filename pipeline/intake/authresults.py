"""Did the receiving server vouch for the sender? RFC 8601 Authentication-Results.

Anyone can write any From. The mail server that received a message for the shared
mailbox checks DKIM and DMARC and says what it found in an `Authentication-Results`
header that starts with its own name (the authserv-id). Only headers from a server
named in `security.trusted_authserv_ids` count, and for each method (dmarc, dkim) only
the topmost such result: a receiving server adds its headers above the ones the message
arrived with, so a lower one may have been written by the sender. (RFC 8601 section 5
asks the receiving server to delete incoming headers that carry its own authserv-id;
docs/web.md says so too.) The sender counts as verified when that says `dmarc=pass`, or
`dkim=pass` for the From address's domain (or a parent of it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.mail import IncomingMail

_COMMENT = re.compile(r"\([^()]*\)")
_PAIR = re.compile(r"([A-Za-z0-9_.-]+(?:/[0-9]+)?)\s*=\s*(\"[^\"]*\"|[^\s;]+)")


@dataclass(frozen=True)
class SenderCheck:
    verified: bool
    reason: str  # in words, for the message log


@dataclass(frozen=True)
class MethodResult:
    method: str  # dkim, dmarc, spf ...
    result: str  # pass, fail, none ...
    properties: dict[str, str]  # header.d, header.from ... (lower case)


def parse(value: str) -> tuple[str, list[MethodResult]]:
    """One Authentication-Results value: (authserv-id, the results it lists)."""
    text = " ".join(value.split())
    while _COMMENT.search(text):
        text = _COMMENT.sub(" ", text)
    head, *infos = text.split(";")
    authserv_id = (head.split() or [""])[0].lower()
    results = []
    for info in infos:
        pairs = _PAIR.findall(info)
        if pairs:
            method, result = pairs[0]
            properties = {name.lower(): found.strip('"').lower() for name, found in pairs[1:]}
            results.append(MethodResult(method.split("/")[0].lower(), result.lower(), properties))
    return authserv_id, results


def check_sender(mail: IncomingMail, trusted_ids: Iterable[str]) -> SenderCheck:
    """Whether a trusted receiving server says the From address is not forged (DMARC or aligned DKIM)."""
    trusted = {t.strip().lower() for t in trusted_ids if t.strip()}
    if not trusted:
        return SenderCheck(False, "no receiving server is trusted to check senders (security.trusted_authserv_ids)")
    topmost: dict[str, tuple[str, list[MethodResult]]] = {}  # method -> (server, its results in one header)
    for value in mail.headers.get("authentication-results", []):
        authserv_id, results = parse(value)
        if authserv_id not in trusted:
            continue
        for method in {found.method for found in results} - set(topmost):
            topmost[method] = (authserv_id, [found for found in results if found.method == method])
    if not topmost:
        return SenderCheck(False, f"no Authentication-Results from {', '.join(sorted(trusted))}")
    return _judge(topmost, mail.from_addr.rpartition("@")[2].lower())


def _judge(topmost: dict[str, tuple[str, list[MethodResult]]], from_domain: str) -> SenderCheck:
    server, dmarcs = topmost.get("dmarc", ("", []))
    for dmarc in dmarcs:
        if dmarc.result == "pass" and dmarc.properties.get("header.from", from_domain) == from_domain:
            return SenderCheck(True, f"{server}: dmarc=pass for {from_domain}")
    server, dkims = topmost.get("dkim", ("", []))
    for dkim in dkims:
        signer = dkim.properties.get("header.d", "")
        if dkim.result == "pass" and signer and _aligned(signer, from_domain):
            return SenderCheck(True, f"{server}: dkim=pass for {signer}")
    said = [f"{m}={r.result}" for m in ("dmarc", "dkim") for r in topmost.get(m, ("", []))[1]]
    return SenderCheck(False, f"{next(iter(topmost.values()))[0]}: {', '.join(said) or 'no DMARC or DKIM result'}")


def _aligned(signer: str, from_domain: str) -> bool:
    return bool(from_domain) and (from_domain == signer or from_domain.endswith("." + signer))
