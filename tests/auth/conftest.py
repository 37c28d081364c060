"""Fixtures for OAuth 2.0 tests: a local identity platform, a Dovecot that checks XOAUTH2 against it,
an aiosmtpd sink that accepts AUTH XOAUTH2, and settings pointing at all three.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from pathlib import Path

import pytest
from auth.oauth_dovecot import OAuthDovecot, write_config
from auth.oauth_server import start_oauth_server
from auth.xoauth2_sink import XOAuth2Sink, start_xoauth2_sink
from fixtures.dovecot import free_port, mail_user, wait_for_port

from pipeline.auth import forget_token_sources
from pipeline.config import DatabaseSettings, MailboxSettings, OAuth2Settings, PathSettings, Settings, SmtpSettings

CLIENT_ID = "3f2a9c1e-app-mln-bulletin"
PUBLIC_CLIENT_ID = "8b7d0c44-public-mln-bulletin"
CLIENT_SECRET = "app-secret-value"


@pytest.fixture(scope="session")
def oauth_ca(tmp_path_factory):
    """A throw-away CA (trustme) and its PEM file."""
    import trustme

    ca = trustme.CA()
    folder = tmp_path_factory.mktemp("oauth-ca")
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return ca, str(ca_file)


@pytest.fixture(scope="session")
def _oauth_server_session(oauth_ca):
    ca, ca_file = oauth_ca
    server, listeners = start_oauth_server(ca, ca_file)
    yield server
    for listener in listeners:
        listener.shutdown()
        listener.server_close()


@pytest.fixture
def oauth_server(_oauth_server_session):
    """The identity platform, emptied for this test; token sources of earlier tests forgotten."""
    _oauth_server_session.reset()
    forget_token_sources()
    yield _oauth_server_session
    forget_token_sources()


@pytest.fixture(scope="session")
def oauth_dovecot(_oauth_server_session):
    """A Dovecot whose XOAUTH2 / OAUTHBEARER logins are checked by the local introspection endpoint."""
    if not shutil.which("dovecot"):
        pytest.fail("Dovecot is not installed: run `make test`, which installs dovecot-imapd")
    root = Path(tempfile.mkdtemp(prefix="mln-dovecot-oauth-"))
    root.chmod(0o755)
    uid, gid = mail_user()
    server = OAuthDovecot(root, free_port(), uid, gid, auth_port=free_port())
    write_config(server, _oauth_server_session.introspection_url)
    server.start()
    wait_for_port(server.port)
    yield server
    server.stop()
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def oauth_mailbox(oauth_dovecot, oauth_server):
    """A fresh user in the OAuth Dovecot (plain login still works for putting mail in)."""
    return oauth_dovecot.add_user()


@pytest.fixture
def xoauth2_sink(oauth_server):
    controller, handler = start_xoauth2_sink(oauth_server)
    yield XOAuth2Sink(handler, controller.hostname, controller.port)
    controller.stop()


def make_settings(
    tmp_path: Path,
    oauth_server,
    *,
    mailbox_url: str = "maildir://./mailbox",
    smtp_url: str = "smtp://127.0.0.1:1",
    smtp_user: str = "",
    db_url: str = "",
    **oauth2,
) -> Settings:
    """Settings for one test: files under tmp_path, tokens from the local identity platform."""
    oauth2.setdefault("provider", "microsoft")
    oauth2.setdefault("client_id", CLIENT_ID)
    oauth2.setdefault("ca_file", oauth_server.ca_file)
    if oauth2["provider"] == "microsoft":
        oauth2.setdefault("authority", oauth_server.authority)
    else:
        oauth2.setdefault("token_url", oauth_server.token_url)
        oauth2.setdefault("device_authorization_url", oauth_server.device_url)
    return Settings(
        database=DatabaseSettings(url=db_url or f"sqlite:///{tmp_path / 'mln.db'}"),
        mailbox=MailboxSettings(url=mailbox_url, auth="oauth2", timeout=30.0),
        smtp=SmtpSettings(url=smtp_url, auth="oauth2", user=smtp_user, timeout=30.0),
        paths=PathSettings(outbox_dir="outbox"),
        oauth2=OAuth2Settings(**oauth2),
        base_dir=str(tmp_path),
    )


def with_oauth2(settings: Settings, **changes) -> Settings:
    return dataclasses.replace(settings, oauth2=dataclasses.replace(settings.oauth2, **changes))
