"""IMAP over TLS against a real Dovecot: implicit TLS and STARTTLS, certificates verified by default."""

from __future__ import annotations

import pytest
import trustme
from fixtures.dovecot import start_dovecot, stop_dovecot
from fixtures.samples import numbered_message

from pipeline.config import load_settings
from pipeline.errors import MailboxError
from pipeline.passes import poll_once


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server = start_dovecot(tls=(cert.cert_chain_pems[0].bytes(), cert.private_key_pem.bytes()))
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    yield server, ca_file
    stop_dovecot(server)


def settings_for(tmp_path, url: str, ca_file: str = "", password: str = "secret"):
    (tmp_path / "mln.toml").write_text(
        f'[database]\nurl = "sqlite:///{tmp_path}/mln.db"\n'
        f'[mailbox]\nurl = "{url}"\npassword_env = "PW"\nca_file = "{ca_file}"\n'
        f'[paths]\noutbox_dir = "{tmp_path}/outbox"\n'
    )
    settings = load_settings(tmp_path / "mln.toml", {"PW": password})
    from pipeline.setup import upgrade_database

    upgrade_database(settings.database.url)
    return settings


@pytest.mark.parametrize("scheme", ["imaps", "starttls"])
def test_poll_over_tls_with_our_ca(tls_server, tmp_path, scheme):
    server, ca_file = tls_server
    account = server.add_user()
    account.append(numbered_message(1))
    url = (
        f"imaps://{account.user}@127.0.0.1:{server.tls_port}/INBOX"
        if scheme == "imaps"
        else f"imap://{account.user}@127.0.0.1:{server.port}/INBOX?starttls=true"
    )

    summary = poll_once(settings_for(tmp_path, url, str(ca_file)))

    assert summary.fetched == 1


@pytest.mark.parametrize("scheme", ["imaps", "starttls"])
def test_unknown_certificate_is_refused_by_default(tls_server, tmp_path, scheme):
    server, _ = tls_server
    account = server.add_user()
    url = (
        f"imaps://{account.user}@127.0.0.1:{server.tls_port}/INBOX"
        if scheme == "imaps"
        else f"imap://{account.user}@127.0.0.1:{server.port}/INBOX?starttls=true"
    )

    with pytest.raises(MailboxError, match="CERTIFICATE_VERIFY_FAILED"):
        poll_once(settings_for(tmp_path, url))
