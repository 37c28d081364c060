"""`mln doctor mail`: will receivers believe a bulletin from each route? SPF, DKIM and DMARC in DNS.

DMARC passes when SPF or DKIM passes for a domain aligned with the From domain.
The envelope sender of a bulletin copy is a +bounce- tag of smtp.from_address, so
SPF is checked for the From domain itself; DKIM for the route's dkim_domain.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from pipeline.config import Settings, load_settings
from pipeline.doctor.checks import Check, Report, failed, passed, warned
from pipeline.doctor.dns_records import Dns, DnsUnanswered
from pipeline.doctor.smtp import route_settings
from pipeline.doctor.spf import SpfVerdict, check_spf, provider_spf

# Second-level names under .uk that are not organisations themselves (a rough public-suffix list).
_UK_SECOND_LEVEL = {"co", "org", "ac", "gov", "nhs", "net", "ltd", "plc", "sch", "police", "me", "mod"}
_NHSMAIL_HOSTS = ("nhs.net", "office365.com", "outlook.com")


@dataclass(frozen=True)
class Dmarc:
    record: str
    where: str
    policy: str = ""
    strict_dkim: bool = False


def run_mail_check(config_path: str | os.PathLike | None, environ: Mapping[str, str] | None = None) -> Report:
    settings = load_settings(config_path, environ)
    dns = Dns.from_settings(settings)
    report = Report(settings.source)
    for label, route in route_settings(settings):
        report.checks += check_route(dns, label, route)
    return report


def check_route(dns: Dns, label: str, settings: Settings) -> list[Check]:
    suffix = f" ({label})" if label else ""
    smtp = settings.smtp
    domain = smtp.from_address.rpartition("@")[2].lower()
    host = (urlsplit(smtp.url).hostname or "").lower()
    try:
        spf = check_spf(dns, domain, host)
        dkim = _check_dkim(dns, smtp.dkim_selector, (smtp.dkim_domain or domain).lower(), domain, host)
        dmarc = dmarc_record(dns, domain)
    except DnsUnanswered as exc:
        return [failed("DNS" + suffix, str(exc), "check the network, or dns.server (MLN_DNS_SERVER)")]
    checks = [_spf_check(spf, domain, host, dns), dkim[0], _dmarc_check(dmarc, domain, settings)]
    checks = [Check(c.name + suffix, c.status, c.detail, c.fix) for c in checks]
    checks.append(_alignment(spf, dkim[1], dmarc, smtp.from_address, host, suffix))
    if _is_nhs_net(domain) and not any(host == h or host.endswith("." + h) for h in _NHSMAIL_HOSTS):
        checks.append(
            warned(
                "nhs.net From address" + suffix,
                f"{smtp.from_address} is an nhs.net address but this route sends through {host}, not NHSmail: "
                "nhs.net's own records vouch only for NHSmail, so receivers will treat the bulletin as forged",
                "send nhs.net addresses through NHSmail (docs/nhsmail-oauth.md), or give this route "
                "a From address on a domain of your own",
            )
        )
    return checks


def _spf_check(spf: SpfVerdict, domain: str, host: str, dns: Dns) -> Check:
    notes = f" (also: {'; '.join(spf.problems)})" if spf.problems else ""
    if spf.authorised:
        return passed("SPF", f"the SPF of {domain} lets {host} send for it: {spf.why}{notes}")
    mechanism = _spf_mechanism(dns, host)
    if not spf.record:
        return failed("SPF", spf.why, f'publish a TXT record at {domain}: "v=spf1 {mechanism} -all"')
    return failed(
        "SPF",
        f"the SPF of {domain} does not let {host} send for it: {spf.why}{notes}",
        f"add {mechanism} to the SPF record of {domain} ({spf.record})",
    )


def _spf_mechanism(dns: Dns, host: str) -> str:
    provider = provider_spf(host)
    if provider:
        return f"include:{provider}"
    addresses = dns.addresses(host)
    return f"ip{addresses[0].version}:{addresses[0]}" if addresses else f"a:{host}"


def _check_dkim(dns: Dns, selector: str, dkim_domain: str, from_domain: str, host: str) -> tuple[Check, str]:
    """The check, and the DKIM domain that will sign ("" when none is known to)."""
    if not selector:
        return (
            warned(
                "DKIM",
                f"no DKIM selector configured for this route (smtp.dkim_selector): only {host} itself could sign",
                "set dkim_selector, dkim_domain and dkim_key_file on the route, or check that the "
                f"provider signs as {from_domain}",
            ),
            "",
        )
    name = f"{selector}._domainkey.{dkim_domain}"
    keys = [text for text in dns.txt(name) if _dkim_key(text)]
    if not keys:
        return failed(
            "DKIM", f"no DKIM public key at {name}", f"publish the public key of dkim_key_file as TXT {name}"
        ), ""
    return passed("DKIM", f"a public key is published at {name}"), dkim_domain


def _dkim_key(text: str) -> bool:
    tags = _tags(text)
    return bool(tags.get("p")) and tags.get("v", "DKIM1").upper() == "DKIM1"


def dmarc_record(dns: Dns, domain: str) -> Dmarc | None:
    """The DMARC record that governs `domain`: its own, else its organisation's (whose sp= applies)."""
    for where, own in ((domain, True), (organisational_domain(domain), False)):
        for text in dns.txt(f"_dmarc.{where}"):
            if text.upper().startswith("V=DMARC1"):
                tags = _tags(text)
                policy = tags.get("p", "none") if own else tags.get("sp", tags.get("p", "none"))
                return Dmarc(text, where, policy.lower(), tags.get("adkim", "r").lower() == "s")
        if where == organisational_domain(domain):
            break
    return None


def _dmarc_check(dmarc: Dmarc | None, domain: str, settings: Settings) -> Check:
    if dmarc is None:
        return failed(
            "DMARC",
            f"_dmarc.{domain} has no DMARC record",
            f'publish TXT _dmarc.{domain} "v=DMARC1; p=none; rua=mailto:{settings.network.shared_address}" '
            "(Gmail, Yahoo and Outlook require one of bulk senders)",
        )
    return passed(
        "DMARC",
        f"_dmarc.{dmarc.where} asks receivers to {_POLICY_WORDS.get(dmarc.policy, dmarc.policy)} mail that fails",
    )


_POLICY_WORDS = {"none": "deliver (p=none)", "quarantine": "file as spam (p=quarantine)", "reject": "reject (p=reject)"}


def _alignment(
    spf: SpfVerdict, dkim_domain: str, dmarc: Dmarc | None, from_address: str, host: str, suffix: str
) -> Check:
    name = "bulletin aligns" + suffix
    domain = from_address.rpartition("@")[2].lower()
    by = ["SPF"] if spf.authorised else []
    if dkim_domain and aligned(dkim_domain, domain, strict=bool(dmarc and dmarc.strict_dkim)):
        by.append("DKIM")
    if by:
        extra = "" if len(by) == 2 else "; bulk-sender rules (Gmail, Yahoo) want both SPF and DKIM"
        return passed(
            name, f"a bulletin from {from_address} through {host} passes DMARC: {' and '.join(by)} align{extra}"
        )
    outcome = {
        "reject": "receivers will reject it (p=reject)",
        "quarantine": "receivers will file it as spam (p=quarantine)",
    }.get(dmarc.policy if dmarc else "", "receivers may reject it or file it as spam")
    return failed(
        name,
        f"a bulletin from {from_address} through {host} will not align: neither SPF nor DKIM passes for {domain}; {outcome}",
        "fix the SPF or DKIM line above (either one aligned is enough for DMARC)",
    )


def aligned(signing: str, from_domain: str, strict: bool) -> bool:
    if signing == from_domain:
        return True
    return not strict and organisational_domain(signing) == organisational_domain(from_domain)


def organisational_domain(domain: str) -> str:
    labels = domain.lower().rstrip(".").split(".")
    keep = 3 if len(labels) >= 3 and labels[-1] == "uk" and labels[-2] in _UK_SECOND_LEVEL else 2
    return ".".join(labels[-keep:])


def _is_nhs_net(domain: str) -> bool:
    return domain == "nhs.net" or domain.endswith(".nhs.net")


def _tags(text: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in text.split(";"):
        key, sep, value = part.strip().partition("=")
        if sep:
            tags[key.strip().lower()] = value.strip()
    return tags
