"""DNS lookups for `mln doctor mail`: TXT and address records through one resolver.

The resolver is the system's, or dns.server ("HOST[:PORT]", e.g. MLN_DNS_SERVER=127.0.0.1:5353).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import dns.exception
import dns.resolver

from pipeline.config import Settings
from pipeline.errors import ConfigError

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class DnsUnanswered(Exception):
    """The DNS server gave no answer at all (timeout, refused): not the same as "no such record"."""


@dataclass
class Dns:
    resolver: dns.resolver.Resolver

    @classmethod
    def from_settings(cls, settings: Settings) -> Dns:
        server = settings.dns.server.strip()
        if not server:
            resolver = dns.resolver.Resolver()
        else:
            resolver = dns.resolver.Resolver(configure=False)
            host, _, port = server.rpartition(":") if server.count(":") == 1 else (server, "", "")
            try:
                resolver.nameservers = [str(ipaddress.ip_address(host or server))]
                resolver.port = int(port) if port else 53
            except ValueError:
                raise ConfigError(f"dns.server {server!r}: give an IP address, optionally with :PORT") from None
        resolver.lifetime = settings.dns.timeout
        return cls(resolver)

    def txt(self, name: str) -> list[str]:
        """The TXT strings at `name` (each record's parts joined); [] when there are none."""
        answer = self._query(name, "TXT")
        return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]

    def addresses(self, host: str) -> list[IpAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        found: list[IpAddress] = []
        for kind in ("A", "AAAA"):
            found += [ipaddress.ip_address(record.to_text()) for record in self._query(host, kind)]
        return found

    def mx_hosts(self, domain: str) -> list[str]:
        return [record.exchange.to_text().rstrip(".") for record in self._query(domain, "MX")]

    def _query(self, name: str, kind: str) -> list[Any]:
        try:
            return list(self.resolver.resolve(name, kind))
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except (dns.exception.Timeout, dns.resolver.NoNameservers, dns.resolver.LifetimeTimeout) as exc:
            raise DnsUnanswered(f"no answer from the DNS server for {name} {kind}: {exc}") from None
