"""DKIM signing by route: what reaches a real SMTP sink verifies with dkimpy's own verifier, the
public key looked up in a small authoritative DNS server (dnslib) on a loopback port. The RSA key
is made by the test; no private key is kept in the repository."""

from __future__ import annotations

import base64
import dataclasses
import email

import dkim
import dns.resolver
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dnslib import QTYPE, RR, TXT
from dnslib.server import BaseResolver, DNSServer
from fixtures.smtp import free_port
from outbox.outbox_helpers import with_smtp

from pipeline.compose import build_message, queue_message
from pipeline.config_smtp import RouteSettings, SmtpSettings
from pipeline.errors import ConfigError
from pipeline.outbound import sender
from pipeline.outbound.dkim import signer_for
from pipeline.store.db import transaction

SELECTOR, DOMAIN = "mln2026", "example.org"


class _Zone(BaseResolver):
    """Answers TXT queries for the names it holds, authoritatively; NXDOMAIN for the rest."""

    def __init__(self) -> None:
        self.txt: dict[str, str] = {}

    def resolve(self, request, handler):
        reply = request.reply()
        reply.header.aa = 1
        name = str(request.q.qname).rstrip(".").lower()
        if request.q.qtype == QTYPE.TXT and name in self.txt:
            value = self.txt[name].encode()
            chunks = [value[i : i + 255] for i in range(0, len(value), 255)]  # one TXT string holds 255 bytes
            reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(chunks), ttl=60))
        elif name not in self.txt:
            reply.header.rcode = 3
        return reply


@pytest.fixture
def dns_zone():
    """A DNS server on 127.0.0.1 and a dkimpy `dnsfunc` that asks it (and nothing else)."""
    zone, port = _Zone(), free_port()
    server = DNSServer(zone, port=port, address="127.0.0.1")
    server.start_thread()
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers, resolver.port = ["127.0.0.1"], port

    def dnsfunc(name: bytes, timeout: float = 5) -> bytes:
        try:
            answer = resolver.resolve(name.decode().rstrip("."), "TXT", lifetime=timeout)
        except dns.resolver.NXDOMAIN:
            return b""
        return b"".join(answer[0].strings)

    yield zone, dnsfunc
    server.stop()


@pytest.fixture
def dkim_key(tmp_path, dns_zone):
    """A fresh 2048-bit key: the private half in a file for the route, the public half in DNS."""
    zone, _dnsfunc = dns_zone
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "dkim.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    zone.txt[f"{SELECTOR}._domainkey.{DOMAIN}"] = f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"
    return path


def _queue_bulletin_like(settings, recipients):
    with transaction(settings.database.url) as session:
        for rcpt in recipients:
            msg = build_message(
                settings,
                rcpt,
                "MLN Bulletin: November 2026",
                f"Hello {rcpt}\n.a line that starts with a dot\n",
                f"<p>Hello {rcpt}</p>",
                headers={
                    "List-Unsubscribe": "<https://mln.example.org/unsubscribe/abc>, <mailto:u@example.org>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
            queue_message(session, settings, msg, kind="bulletin")


def _signing(settings, key_path):
    return with_smtp(settings, dkim_selector=SELECTOR, dkim_domain=DOMAIN, dkim_key_file=str(key_path))


def test_what_a_signing_route_sends_verifies_against_the_key_in_dns(outbox_settings, smtp_sink, dkim_key, dns_zone):
    _zone, dnsfunc = dns_zone
    settings = _signing(outbox_settings, dkim_key)
    _queue_bulletin_like(settings, ["ann@example.nhs.uk", "bob@example.org"])

    assert sender.send_due(settings).sent == 2

    for received in smtp_sink.messages:
        assert received.data.startswith(b"DKIM-Signature:")
        assert dkim.verify(received.data, dnsfunc=dnsfunc)
        signed = email.message_from_bytes(received.data)
        tags = dict(
            part.strip().split("=", 1) for part in " ".join(signed["DKIM-Signature"].split()).split(";") if part.strip()
        )
        assert (tags["d"], tags["s"], tags["c"]) == (DOMAIN, SELECTOR, "relaxed/relaxed")
        assert {"from", "to", "subject", "list-unsubscribe", "list-unsubscribe-post"} <= set(
            tags["h"].replace(" ", "").lower().split(":")
        )
        # The signature is of this copy: changing its recipient breaks it.
        assert not dkim.verify(
            received.data.replace(b"To: ann@", b"To: eve@").replace(b"To: bob@", b"To: eve@"), dnsfunc=dnsfunc
        )


def test_a_route_without_dkim_keys_sends_the_bytes_unsigned(outbox_settings, smtp_sink):
    _queue_bulletin_like(outbox_settings, ["ann@example.org"])
    sender.send_due(outbox_settings)
    assert b"DKIM-Signature" not in smtp_sink.messages[0].data


def test_only_the_route_with_keys_signs(outbox_settings, smtp_sink, dkim_key, dns_zone):
    _zone, dnsfunc = dns_zone
    signing = RouteSettings(
        "signing",
        SmtpSettings(url=smtp_sink.url(), dkim_selector=SELECTOR, dkim_domain=DOMAIN, dkim_key_file=str(dkim_key)),
        domains=("example.org",),
    )
    settings = dataclasses.replace(outbox_settings, routes=(signing,))
    _queue_bulletin_like(settings, ["ann@example.org"])
    assert sender.send_due(settings).by_route == {"signing": 1}
    assert dkim.verify(smtp_sink.messages[0].data, dnsfunc=dnsfunc)


def test_a_key_that_cannot_be_used_is_a_config_error(tmp_path):
    (tmp_path / "key.pem").write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    smtp = SmtpSettings(dkim_selector=SELECTOR, dkim_domain=DOMAIN, dkim_key_file="key.pem")
    with pytest.raises(ConfigError, match="not a PEM RSA private key"):
        signer_for(smtp, str(tmp_path))
    with pytest.raises(ConfigError, match="cannot be read"):
        signer_for(dataclasses.replace(smtp, dkim_key_file="missing.pem"), str(tmp_path))
