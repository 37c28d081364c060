"""Does a domain's SPF record let a relay send for it? Enough of RFC 7208 to answer that.

The record and everything it includes are walked (at most 10 lookups, as receivers
do); the relay is authorised when one of its addresses falls in an ip4/ip6/a/mx of
the record, or when the record includes its provider's published SPF (a provider's
submission host is not the host that delivers, so its address proves nothing).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field

from pipeline.doctor.dns_records import Dns

MAX_LOOKUPS = 10
_TERM = re.compile(r"(?P<name>[a-z0-9_.-]+)(?P<sep>[:=/])?(?P<rest>.*)")
# Submission host (suffix) -> the SPF a domain must include to let that provider send for it.
PROVIDER_SPF = {
    "office365.com": "spf.protection.outlook.com",
    "outlook.com": "spf.protection.outlook.com",
    "azurecomm.net": "spf.protection.outlook.com",
    "gmail.com": "_spf.google.com",
    "google.com": "_spf.google.com",
    "sendgrid.net": "sendgrid.net",
    "mailgun.org": "mailgun.org",
    "amazonaws.com": "amazonses.com",
    "mailjet.com": "spf.mailjet.com",
    "postmarkapp.com": "spf.mtasv.net",
    "brevo.com": "spf.brevo.com",
    "sendinblue.com": "spf.sendinblue.com",
}


@dataclass
class SpfVerdict:
    record: str  # "" when the domain publishes none
    authorised: bool = False
    why: str = ""
    includes: set[str] = field(default_factory=set)
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def spf_record(dns: Dns, domain: str) -> str:
    records = [text for text in dns.txt(domain) if text.lower().startswith("v=spf1")]
    return records[0] if len(records) == 1 else ("" if not records else records[0])


def provider_spf(relay_host: str) -> str:
    host = relay_host.lower().rstrip(".")
    for suffix, include in PROVIDER_SPF.items():
        if host == suffix or host.endswith("." + suffix):
            return include
    return ""


def check_spf(dns: Dns, domain: str, relay_host: str) -> SpfVerdict:
    verdict = SpfVerdict(spf_record(dns, domain))
    if not verdict.record:
        verdict.why = f"{domain} publishes no SPF record"
        return verdict
    _walk(dns, domain, verdict.record, verdict, [0])
    provider = provider_spf(relay_host)
    if provider and provider in verdict.includes:
        verdict.authorised, verdict.why = True, f"it includes {provider}, the SPF of {relay_host}'s provider"
        return verdict
    relay_ips = dns.addresses(relay_host)
    for ip in relay_ips:
        for network in verdict.networks:
            if ip.version == network.version and ip in network:
                verdict.authorised, verdict.why = True, f"{relay_host} ({ip}) is within {network}"
                return verdict
    if provider:
        verdict.why = f"it does not include {provider}, which {relay_host}'s provider sends from"
    else:
        shown = ", ".join(str(ip) for ip in relay_ips) or "no address"
        verdict.why = f"it does not list {relay_host} ({shown})"
    return verdict


def _walk(dns: Dns, domain: str, record: str, verdict: SpfVerdict, lookups: list[int]) -> None:
    for term in record.split()[1:]:
        qualifier, term = (term[0], term[1:]) if term[:1] in "+-~?" else ("+", term)
        match = _TERM.match(term.lower())
        if match is None:
            verdict.problems.append(f"{term!r} is not an SPF term")
            continue
        name, sep, rest = match["name"], match["sep"] or "", match["rest"]
        if name in ("include", "redirect", "a", "mx", "exists", "ptr"):
            lookups[0] += 1
            if lookups[0] > MAX_LOOKUPS:
                verdict.problems.append(f"more than {MAX_LOOKUPS} DNS lookups: receivers give up (permerror)")
                return
        if qualifier != "+":
            continue  # -all, ~ip4:... : what is refused adds nothing to what is allowed
        if name in ("ip4", "ip6"):
            _add_network(verdict, rest)
        elif name in ("include", "redirect"):
            _follow(dns, name, rest.rstrip("."), verdict, lookups)
        elif name in ("a", "mx"):
            target, _, cidr = ("", "", rest) if sep == "/" else rest.partition("/")
            hosts = [target or domain] if name == "a" else dns.mx_hosts(target or domain)
            for host in hosts:
                for ip in dns.addresses(host):
                    _add_network(verdict, f"{ip}/{cidr}" if cidr else str(ip))
        elif name == "all":
            verdict.networks += [ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0")]
            verdict.problems.append("+all lets anyone send as this domain")


def _follow(dns: Dns, name: str, target: str, verdict: SpfVerdict, lookups: list[int]) -> None:
    verdict.includes.add(target)
    included = spf_record(dns, target)
    if included:
        _walk(dns, target, included, verdict, lookups)
    else:
        verdict.problems.append(f"{name}:{target} has no SPF record (permerror)")


def _add_network(verdict: SpfVerdict, value: str) -> None:
    try:
        verdict.networks.append(ipaddress.ip_network(value, strict=False))
    except ValueError:
        verdict.problems.append(f"{value!r} is not an address or network")
