"""`mln doctor mail` against a local authoritative DNS server, with good records and broken ones."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline.cli import cli

from .dns_server import LocalDns

RELAY = "relay.example.test"
DKIM_KEY = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtestkey"
GOOD = f"""
{RELAY}. 60 IN A 192.0.2.25
example.test. 60 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.example.test. 60 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"
mln2026._domainkey.example.test. 60 IN TXT "v=DKIM1; k=rsa; p={DKIM_KEY}"
"""


@pytest.fixture(scope="module")
def local_dns():
    server = LocalDns()
    server.start()
    yield server
    server.stop()


def config(tmp_path, from_address="mln@example.test", relay=f"smtp://{RELAY}:25", dkim=True):
    path = tmp_path / "mln.toml"
    signing = 'dkim_selector = "mln2026"\ndkim_domain = "example.test"\ndkim_key_file = "dkim.pem"\n' if dkim else ""
    path.write_text(
        f'[database]\nurl = "sqlite:///mln.db"\n'
        f'[smtp]\nurl = "{relay}"\nfrom_address = "{from_address}"\nreply_to = "{from_address}"\n{signing}'
    )
    return path


def doctor_mail(local_dns, zone, path, *extra):
    local_dns.serve(zone)
    env = {"MLN_DNS_SERVER": local_dns.server, "MLN_DNS_TIMEOUT": "2"}
    return CliRunner().invoke(cli, ["--config", str(path), "doctor", "mail", *extra], env=env)


def checks(result) -> dict[str, dict]:
    return {check["name"]: check for check in json.loads(result.output)["checks"]}


def test_good_records_align_by_spf_and_dkim(local_dns, tmp_path):
    result = doctor_mail(local_dns, GOOD, config(tmp_path))

    assert result.exit_code == 0, result.output
    assert f"✓ SPF: the SPF of example.test lets {RELAY} send for it: {RELAY} (192.0.2.25) is within 192.0.2.0/24" in (
        result.output
    )
    assert "✓ DKIM: a public key is published at mln2026._domainkey.example.test" in result.output
    assert "✓ DMARC: _dmarc.example.test asks receivers to reject (p=reject) mail that fails" in result.output
    assert (
        f"✓ bulletin aligns: a bulletin from mln@example.test through {RELAY} passes DMARC: SPF and DKIM align"
        in result.output
    )


def test_no_spf_record(local_dns, tmp_path):
    zone = GOOD.replace('example.test. 60 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"', "")

    result = doctor_mail(local_dns, zone, config(tmp_path), "--json")

    assert result.exit_code == 1
    spf = checks(result)["SPF"]
    assert spf["status"] == "fail" and spf["detail"] == "example.test publishes no SPF record"
    assert spf["fix"] == 'publish a TXT record at example.test: "v=spf1 ip4:192.0.2.25 -all"'
    assert checks(result)["bulletin aligns"]["status"] == "pass"  # DKIM alone still aligns


def test_spf_without_the_relay(local_dns, tmp_path):
    zone = GOOD.replace("ip4:192.0.2.0/24", "ip4:198.51.100.0/24 include:_spf.example.net") + (
        '_spf.example.net. 60 IN TXT "v=spf1 ip4:203.0.113.0/24 -all"\n'
    )

    result = doctor_mail(local_dns, zone, config(tmp_path), "--json")

    spf = checks(result)["SPF"]
    assert result.exit_code == 1 and spf["status"] == "fail"
    assert (
        spf["detail"]
        == f"the SPF of example.test does not let {RELAY} send for it: it does not list {RELAY} (192.0.2.25)"
    )
    assert spf["fix"].startswith("add ip4:192.0.2.25 to the SPF record of example.test")


def test_dmarc_missing(local_dns, tmp_path):
    zone = GOOD.replace('_dmarc.example.test. 60 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.test"', "")

    result = doctor_mail(local_dns, zone, config(tmp_path), "--json")

    dmarc = checks(result)["DMARC"]
    assert result.exit_code == 1 and dmarc["status"] == "fail"
    assert dmarc["detail"] == "_dmarc.example.test has no DMARC record"
    assert dmarc["fix"].startswith('publish TXT _dmarc.example.test "v=DMARC1; p=none; rua=mailto:')


def test_p_reject_and_nothing_aligned(local_dns, tmp_path):
    zone = GOOD.replace("ip4:192.0.2.0/24", "ip4:198.51.100.0/24")

    result = doctor_mail(local_dns, zone, config(tmp_path, dkim=False))

    assert result.exit_code == 1
    assert "! DKIM: no DKIM selector configured for this route (smtp.dkim_selector)" in result.output
    assert (
        f"✗ bulletin aligns: a bulletin from mln@example.test through {RELAY} will not align: neither SPF nor DKIM "
        "passes for example.test; receivers will reject it (p=reject)" in result.output
    )


def test_a_dkim_key_missing_from_dns(local_dns, tmp_path):
    zone = GOOD.replace(f'mln2026._domainkey.example.test. 60 IN TXT "v=DKIM1; k=rsa; p={DKIM_KEY}"', "")

    result = doctor_mail(local_dns, zone, config(tmp_path), "--json")

    dkim = checks(result)["DKIM"]
    assert result.exit_code == 1 and dkim["detail"] == "no DKIM public key at mln2026._domainkey.example.test"


def test_a_provider_is_authorised_by_its_include(local_dns, tmp_path):
    zone = (
        GOOD.replace("ip4:192.0.2.0/24", "include:spf.protection.outlook.com")
        + 'spf.protection.outlook.com. 60 IN TXT "v=spf1 ip4:40.92.0.0/15 -all"\n'
    )
    path = config(tmp_path, relay="smtp://smtp.office365.com:587")

    result = doctor_mail(local_dns, zone, path, "--json")

    assert checks(result)["SPF"]["status"] == "pass", result.output
    assert "spf.protection.outlook.com" in checks(result)["SPF"]["detail"]


def test_nhs_net_from_address_on_another_route_warns(local_dns, tmp_path):
    zone = GOOD.replace("example.test. 60 IN TXT", "nhs.net. 60 IN TXT").replace(
        "_dmarc.example.test", "_dmarc.nhs.net"
    )

    result = doctor_mail(local_dns, zone, config(tmp_path, from_address="mln.team@nhs.net", dkim=False))

    assert f"! nhs.net From address: mln.team@nhs.net is an nhs.net address but this route sends through {RELAY}" in (
        result.output
    )
    on_nhsmail = doctor_mail(
        local_dns, zone, config(tmp_path, from_address="mln.team@nhs.net", relay="smtp://send.nhs.net:587", dkim=False)
    )
    assert "nhs.net From address" not in on_nhsmail.output


def test_a_dns_server_that_does_not_answer(tmp_path):
    env = {"MLN_DNS_SERVER": "127.0.0.1:9", "MLN_DNS_TIMEOUT": "1"}

    result = CliRunner().invoke(cli, ["--config", str(config(tmp_path)), "doctor", "mail"], env=env)

    assert result.exit_code == 1
    assert "✗ DNS: no answer from the DNS server for example.test TXT" in result.output
    assert "fix: check the network, or dns.server (MLN_DNS_SERVER)" in result.output


def test_each_route_gets_its_own_verdict(local_dns, tmp_path):
    path = config(tmp_path, dkim=False)
    path.write_text(path.read_text() + '[[smtp.route]]\nname = "bulk"\nurl = "smtp://other.example.test:25"\n')
    zone = GOOD + "other.example.test. 60 IN A 198.51.100.9\n"

    result = doctor_mail(local_dns, zone, path, "--json")

    found = checks(result)
    assert found["SPF (default)"]["status"] == "pass"
    assert found["SPF (bulk)"]["status"] == "fail"
    assert found["bulletin aligns (bulk)"]["detail"].endswith("receivers will reject it (p=reject)")
