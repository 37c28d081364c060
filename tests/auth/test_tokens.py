"""Tokens from the local identity platform: client credentials (secret or certificate), device code,
refresh before expiry, the 0600 cache file, and a backoff after failures."""

from __future__ import annotations

import logging
import stat

import pytest
from auth.conftest import CLIENT_ID, CLIENT_SECRET, PUBLIC_CLIENT_ID, make_settings, with_oauth2

from pipeline.auth import AuthError, token_source
from pipeline.auth.source import TokenSource
from pipeline.commands.login import start_login, wait_for_login

PROVIDERS = ["microsoft", "generic"]


def client_settings(tmp_path, oauth_server, provider="microsoft", **extra):
    oauth_server.add_client(CLIENT_ID, secret=CLIENT_SECRET, mailbox="user1")
    scopes = ("https://outlook.office365.com/.default",) if provider == "microsoft" else ("imap", "smtp")
    extra.setdefault("scopes", scopes)
    return make_settings(tmp_path, oauth_server, provider=provider, client_secret=CLIENT_SECRET, **extra)


def device_settings(tmp_path, oauth_server, provider="microsoft", **extra):
    oauth_server.add_client(PUBLIC_CLIENT_ID)
    scopes = (
        "https://outlook.office365.com/IMAP.AccessAsUser.All",
        "https://outlook.office365.com/SMTP.Send",
        "offline_access",
    )
    extra.setdefault("scopes", scopes if provider == "microsoft" else ("imap", "smtp", "offline_access"))
    return make_settings(
        tmp_path, oauth_server, provider=provider, client_id=PUBLIC_CLIENT_ID, flow="device_code", **extra
    )


def sign_in(settings, oauth_server, user="user2"):
    """`mln auth login` as a library call, with the person entering the code at once."""
    device = start_login(settings)
    oauth_server.approve_as = user
    return wait_for_login(settings, device, sleep=lambda s: None)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_client_credentials_token_is_reused_until_near_expiry(tmp_path, oauth_server, provider):
    settings = client_settings(tmp_path, oauth_server, provider)
    first = token_source(settings).token()
    again = token_source(settings).token()
    assert first.access_token == again.access_token
    assert oauth_server.grants("client_credentials") == 1
    assert oauth_server.introspect(first.access_token)["active"] is True
    assert first.identity == f"application {CLIENT_ID}"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_token_is_renewed_before_it_expires(tmp_path, oauth_server, provider):
    oauth_server.expires_in = 400  # still valid, but inside the 600 s margin below
    settings = client_settings(tmp_path, oauth_server, provider, refresh_margin=600.0)
    first = token_source(settings).token()
    second = token_source(settings).token()
    assert first.access_token != second.access_token
    assert oauth_server.introspect(first.access_token)["active"] is True  # renewed while the old one still worked


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_new_process_reuses_the_cached_token(tmp_path, oauth_server, provider):
    from pipeline.auth import forget_token_sources

    settings = client_settings(tmp_path, oauth_server, provider)
    first = token_source(settings).token()
    forget_token_sources()  # as if `mln poll` ran again from cron
    assert token_source(settings).token().access_token == first.access_token
    assert oauth_server.grants("client_credentials") == 1


def test_certificate_credential(tmp_path, oauth_server):
    import trustme

    cert = trustme.CA(key_type=trustme.KeyType.RSA).issue_cert(
        "mln-bulletin.example.nhs.test", key_type=trustme.KeyType.RSA
    )
    cert_file, key_file = tmp_path / "app.crt", tmp_path / "app.key"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    oauth_server.add_client(CLIENT_ID, certificate_pem=cert.cert_chain_pems[0].bytes(), mailbox="user1")
    settings = make_settings(
        tmp_path,
        oauth_server,
        certificate_file="app.crt",
        private_key_file="app.key",
        scopes=("https://outlook.office365.com/.default",),
    )
    token = token_source(settings).token()
    assert oauth_server.introspect(token.access_token)["username"] == "user1"
    assert "client_assertion" in oauth_server.requests[-1] and "client_secret" not in oauth_server.requests[-1]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wrong_secret_is_one_clear_error(tmp_path, oauth_server, provider):
    settings = with_oauth2(client_settings(tmp_path, oauth_server, provider), client_secret="not-the-secret")
    with pytest.raises(AuthError, match="refused this application.*MLN_OAUTH2_CLIENT_SECRET.*mln auth login"):
        token_source(settings).token()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_device_code_sign_in_keeps_the_refresh_token_in_a_0600_file(tmp_path, oauth_server, provider, caplog):
    caplog.set_level(logging.DEBUG)
    settings = device_settings(tmp_path, oauth_server, provider)
    device = start_login(settings)
    assert device.user_code and device.verification_uri.startswith("https://127.0.0.1:")
    assert token_source(settings).provider.poll_device_login(device) is None  # nobody has entered it yet
    oauth_server.approve_as = "user2"
    token = wait_for_login(settings, device, sleep=lambda s: None)
    assert oauth_server.introspect(token.access_token)["username"] == "user2"
    assert "user2" in token.identity
    cache = tmp_path / "oauth2-token.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    refresh_token = next(iter(oauth_server.refresh_tokens))
    assert refresh_token in cache.read_text()
    assert refresh_token not in caplog.text and token.access_token not in caplog.text
    assert token.access_token not in repr(token)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_device_sign_in_is_refreshed_by_a_later_process(tmp_path, oauth_server, provider):
    from pipeline.auth import forget_token_sources

    settings = device_settings(tmp_path, oauth_server, provider)
    first = sign_in(settings, oauth_server)
    forget_token_sources()
    oauth_server.expire_access_tokens()
    fresh = token_source(settings).token(force_refresh=True)
    assert fresh.access_token != first.access_token
    assert oauth_server.grants("refresh_token") == 1
    assert oauth_server.introspect(fresh.access_token)["username"] == "user2"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_without_a_sign_in_the_error_says_to_log_in(tmp_path, oauth_server, provider):
    settings = device_settings(tmp_path, oauth_server, provider)
    with pytest.raises(AuthError, match="no saved sign-in.*mln auth login"):
        token_source(settings).token()


def test_cache_loosened_by_someone_is_put_back_to_0600(tmp_path, oauth_server):
    from pipeline.auth import forget_token_sources

    settings = device_settings(tmp_path, oauth_server)
    sign_in(settings, oauth_server)
    cache = tmp_path / "oauth2-token.json"
    cache.chmod(0o644)
    forget_token_sources()
    token_source(settings).token()
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600


def test_failures_back_off_and_then_try_again(tmp_path, oauth_server):
    settings = with_oauth2(client_settings(tmp_path, oauth_server, "generic"), client_secret="wrong")
    clock = [1000.0]
    source = TokenSource(token_source(settings).provider, (), 300.0, monotonic=lambda: clock[0])
    with pytest.raises(AuthError, match="refused this application"):
        source.token()
    asked = len(oauth_server.requests)
    with pytest.raises(AuthError, match="next try in 30s"):
        source.token()
    assert len(oauth_server.requests) == asked  # the endpoint was left alone during the backoff
    oauth_server.clients[CLIENT_ID].secret = "wrong"  # the administrator fixed the secret
    clock[0] += 31
    assert source.token().access_token
    assert source.failures == 0


@pytest.mark.parametrize("provider", PROVIDERS)
def test_device_code_nobody_entered_in_time(tmp_path, oauth_server, provider):
    settings = device_settings(tmp_path, oauth_server, provider)
    device = start_login(settings)
    now = [device.expires_at - 2.5]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    with pytest.raises(AuthError, match=f"nobody entered the code {device.user_code} in time.*mln auth login"):
        wait_for_login(settings, device, sleep=sleep, clock=lambda: now[0])
    assert waits == [1, 1]  # polled at the server's interval until the code expired


def test_signing_in_as_another_mailbox_replaces_the_old_sign_in(tmp_path, oauth_server):
    from pipeline.auth import forget_token_sources

    settings = device_settings(tmp_path, oauth_server)
    sign_in(settings, oauth_server, user="user2")
    forget_token_sources()
    sign_in(settings, oauth_server, user="user3")
    forget_token_sources()
    token = token_source(settings).token(force_refresh=True)
    assert token.identity == "user3@example.nhs.test"
    assert oauth_server.introspect(token.access_token)["username"] == "user3"
