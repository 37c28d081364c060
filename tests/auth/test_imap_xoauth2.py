"""IMAP with SASL XOAUTH2, checked by a real Dovecot (`passdb { driver = oauth2 }`) that asks the local
identity platform about every token. Each failure is one MailboxError line and the mail stays put."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from auth.conftest import CLIENT_ID, CLIENT_SECRET, PUBLIC_CLIENT_ID, make_settings
from auth.test_tokens import sign_in

from pipeline.errors import MailboxError
from pipeline.passes import poll_once

DELEGATED = (
    "https://outlook.office365.com/IMAP.AccessAsUser.All",
    "https://outlook.office365.com/SMTP.Send",
    "offline_access",
)


def a_message(n: int = 1) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Team Leader <lead@example.nhs.test>"
    msg["To"] = "mln@example.org"
    msg["Subject"] = f"Improvement plan {n}"
    msg["Message-ID"] = f"<oauth-{n}-{id(msg)}@example.nhs.test>"
    msg.set_content("Please find our update attached.\n")
    return msg.as_bytes()


@pytest.fixture
def app_mailbox(oauth_mailbox, oauth_server, sqlite_url, tmp_path):
    """Client credentials: the application may open this one mailbox."""
    oauth_server.add_client(CLIENT_ID, secret=CLIENT_SECRET, mailbox=oauth_mailbox.user)
    settings = make_settings(
        tmp_path,
        oauth_server,
        mailbox_url=oauth_mailbox.url,
        db_url=sqlite_url,
        client_secret=CLIENT_SECRET,
        scopes=("https://outlook.office365.com/.default",),
    )
    return oauth_mailbox, settings


@pytest.fixture
def delegated_mailbox(oauth_mailbox, oauth_server, sqlite_url, tmp_path):
    """Device code: a person signed in once as the mailbox (`mln auth login`)."""
    oauth_server.add_client(PUBLIC_CLIENT_ID)
    settings = make_settings(
        tmp_path,
        oauth_server,
        mailbox_url=oauth_mailbox.url,
        db_url=sqlite_url,
        client_id=PUBLIC_CLIENT_ID,
        flow="device_code",
        scopes=DELEGATED,
    )
    sign_in(settings, oauth_server, user=oauth_mailbox.user)
    return oauth_mailbox, settings


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def test_client_credentials_poll_reads_the_mailbox(app_mailbox, oauth_server):
    mailbox, settings = app_mailbox
    mailbox.append(a_message())
    summary = poll_once(settings)
    assert summary.fetched == 1 and mailbox.count("INBOX") == 0
    assert oauth_server.introspections >= 1  # Dovecot really asked about our token


def test_device_code_poll_reads_the_mailbox(delegated_mailbox, oauth_server):
    mailbox, settings = delegated_mailbox
    mailbox.append(a_message())
    assert poll_once(settings).fetched == 1
    assert mailbox.count("INBOX") == 0


def test_token_for_another_mailbox_is_refused(app_mailbox, oauth_server):
    mailbox, settings = app_mailbox
    oauth_server.clients[CLIENT_ID].mailbox = "user199"  # the app was granted someone else's mailbox
    mailbox.append(a_message())
    with pytest.raises(MailboxError) as exc:
        poll_once(settings)
    assert "refused the OAuth 2.0 token" in one_line(exc) and "mln auth login" in str(exc.value)
    assert mailbox.count("INBOX") == 1


def test_revoked_sign_in_says_log_in_again_and_keeps_the_mail(delegated_mailbox, oauth_server):
    mailbox, settings = delegated_mailbox
    oauth_server.revoke_all()
    mailbox.append(a_message())
    with pytest.raises(MailboxError) as exc:
        poll_once(settings)
    assert "revoked" in one_line(exc) and "run `mln auth login` again" in str(exc.value)
    assert mailbox.count("INBOX") == 1
    # The administrator signs in again: the same message is read on the next pass.
    from pipeline.auth import forget_token_sources

    forget_token_sources()  # a new process after `mln auth login`
    sign_in(settings, oauth_server, user=mailbox.user)
    assert poll_once(settings).fetched == 1
    assert mailbox.count("INBOX") == 0


def test_expired_refresh_token_says_log_in_again(delegated_mailbox, oauth_server):
    mailbox, settings = delegated_mailbox
    oauth_server.expire_access_tokens()
    oauth_server.expire_refresh_tokens()
    mailbox.append(a_message())
    with pytest.raises(MailboxError) as exc:
        poll_once(settings)
    assert "expired" in one_line(exc) and "run `mln auth login` again" in str(exc.value)
    assert mailbox.count("INBOX") == 1


def test_token_expired_by_the_servers_clock_is_renewed_once(delegated_mailbox, oauth_server):
    # Our clock says the cached token has an hour left; the server's says it is over.
    mailbox, settings = delegated_mailbox
    oauth_server.expire_access_tokens()
    mailbox.append(a_message())
    assert poll_once(settings).fetched == 1
    assert oauth_server.grants("refresh_token") == 1


def test_mail_server_clock_far_ahead_fails_cleanly_then_recovers(app_mailbox, oauth_server):
    mailbox, settings = app_mailbox
    mailbox.append(a_message())
    oauth_server.resource_skew = 2 * 3600  # the mail server thinks every token has already expired
    with pytest.raises(MailboxError) as exc:
        poll_once(settings)
    assert "refused the OAuth 2.0 token" in one_line(exc)
    assert oauth_server.grants("client_credentials") == 2  # one renewal was tried, no more
    assert mailbox.count("INBOX") == 1
    oauth_server.resource_skew = 0  # clocks put right (NTP)
    assert poll_once(settings).fetched == 1


def test_token_endpoint_clock_behind_ours_does_not_make_tokens_look_expired(
    oauth_mailbox, oauth_server, sqlite_url, tmp_path
):
    # A generic endpoint that also sends an absolute expires_at, two hours in our past.
    oauth_server.add_client(CLIENT_ID, secret=CLIENT_SECRET, mailbox=oauth_mailbox.user)
    oauth_server.skew, oauth_server.send_expires_at = -2 * 3600, True
    settings = make_settings(
        tmp_path,
        oauth_server,
        provider="generic",
        mailbox_url=oauth_mailbox.url,
        db_url=sqlite_url,
        client_secret=CLIENT_SECRET,
        scopes=("imap",),
    )
    for n in (1, 2):
        oauth_mailbox.append(a_message(n))
        assert poll_once(settings).fetched == 1
    assert oauth_server.grants("client_credentials") == 1  # the token's relative lifetime was trusted


def test_token_without_the_imap_scope_is_one_clear_error(delegated_mailbox, oauth_server):
    mailbox, settings = delegated_mailbox
    oauth_server.grant_scopes = ["https://graph.microsoft.com/User.Read"]  # consent missing for IMAP
    oauth_server.expire_access_tokens()
    from pipeline.auth import forget_token_sources

    forget_token_sources()
    mailbox.append(a_message())
    with pytest.raises(MailboxError) as exc:
        poll_once(settings)
    message = one_line(exc)
    assert "IMAP.AccessAsUser.All" in message and "run `mln auth login` again" in message
    assert mailbox.count("INBOX") == 1


def test_introspection_outage_is_temporary_and_no_new_token_is_fetched(app_mailbox, oauth_server):
    mailbox, settings = app_mailbox
    mailbox.append(a_message())
    oauth_server.introspection_down = True  # Dovecot answers [UNAVAILABLE], not [AUTHENTICATIONFAILED]
    with pytest.raises(MailboxError) as exc:
        poll_once(settings)
    assert "cannot check OAuth 2.0 tokens right now" in one_line(exc) and "tried again" in str(exc.value)
    assert oauth_server.grants("client_credentials") == 1  # our token was not blamed
    oauth_server.introspection_down = False
    assert poll_once(settings).fetched == 1


def test_google_service_account_acts_as_the_mailbox(oauth_mailbox, oauth_server, sqlite_url, tmp_path):
    import json

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    email = "mln-bulletin@mln-project.iam.example.test"
    oauth_server.service_accounts[email] = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "service-account.json").write_text(
        json.dumps(
            {
                "type": "service_account",
                "client_email": email,
                "private_key_id": "k1",
                "token_uri": oauth_server.token_url,
                "private_key": key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                ).decode(),
            }
        )
    )
    settings = make_settings(
        tmp_path,
        oauth_server,
        provider="google",
        client_id="unused-for-service-accounts",
        mailbox_url=oauth_mailbox.url,
        db_url=sqlite_url,
        service_account_file="service-account.json",
        subject=oauth_mailbox.user,
    )
    oauth_mailbox.append(a_message())
    assert poll_once(settings).fetched == 1
    issued = next(iter(oauth_server.tokens.values()))
    assert issued.user == oauth_mailbox.user and issued.scopes == ["https://mail.google.com/"]
