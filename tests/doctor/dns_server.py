"""A small authoritative DNS server for tests (dnslib), serving a zone the test sets."""

from __future__ import annotations

from dnslib import QTYPE, RCODE, RR
from dnslib.server import BaseResolver, DNSLogger, DNSServer


class ZoneResolver(BaseResolver):
    def __init__(self) -> None:
        self.records: list[RR] = []

    def load(self, zone: str) -> None:
        self.records = list(RR.fromZone(zone))

    def resolve(self, request, handler):  # noqa: ANN001, ANN201 - dnslib's interface
        reply = request.reply()
        reply.header.aa = 1
        name, qtype = request.q.qname, QTYPE[request.q.qtype]
        names = {rr.rname for rr in self.records}
        for rr in self.records:
            if rr.rname == name and QTYPE[rr.rtype] == qtype:
                reply.add_answer(rr)
        if not reply.rr and name not in names:
            reply.header.rcode = RCODE.NXDOMAIN
        return reply


class LocalDns:
    """`server` is what MLN_DNS_SERVER takes: 127.0.0.1:PORT."""

    def __init__(self) -> None:
        self.resolver = ZoneResolver()
        self._server = DNSServer(
            self.resolver, address="127.0.0.1", port=0, logger=DNSLogger(log="-request,-reply", prefix=False)
        )
        self.port = self._server.server.server_address[1]
        self.server = f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._server.start_thread()

    def stop(self) -> None:
        self._server.stop()

    def serve(self, zone: str) -> None:
        self.resolver.load(zone)
