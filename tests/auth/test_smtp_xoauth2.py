"""SMTP AUTH XOAUTH2 against an in-process aiosmtpd that asks the local identity platform about each
token. A refused or missing token stops the run with one clear line; the messages stay queued."""

from __future__ import annotations

import pytest
from auth.conftest import CLIENT_ID, CLIENT_SECRET, PUBLIC_CLIENT_ID, make_settings
from auth.test_imap_xoauth2 import DELEGATED
from auth.test_tokens import sign_in
from outbox.outbox_helpers import queue

from pipeline.auth import forget_token_sources
from pipeline.errors import SmtpError
from pipeline.outbound.claims import count_due
from pipeline.outbound.sender import send_due
from pipeline.outbound.smtp import SmtpConnection

SENDER = "user42"


@pytest.fixture
def app_smtp(xoauth2_sink, oauth_server, sqlite_url, tmp_path):
    oauth_server.add_client(CLIENT_ID, secret=CLIENT_SECRET, mailbox=SENDER)
    return make_settings(
        tmp_path,
        oauth_server,
        smtp_url=xoauth2_sink.url(),
        smtp_user=SENDER,
        db_url=sqlite_url,
        client_secret=CLIENT_SECRET,
        scopes=("https://outlook.office365.com/.default",),
    )


@pytest.fixture
def delegated_smtp(xoauth2_sink, oauth_server, sqlite_url, tmp_path):
    oauth_server.add_client(PUBLIC_CLIENT_ID)
    settings = make_settings(
        tmp_path,
        oauth_server,
        smtp_url=xoauth2_sink.url(),
        smtp_user=SENDER,
        db_url=sqlite_url,
        client_id=PUBLIC_CLIENT_ID,
        flow="device_code",
        scopes=DELEGATED,
    )
    sign_in(settings, oauth_server, user=SENDER)
    return settings


def test_client_credentials_send(app_smtp, xoauth2_sink):
    queue(app_smtp, ["a@example.org", "b@example.org"])
    report = send_due(app_smtp)
    assert report.sent == 2 and report.connections == 1
    assert xoauth2_sink.handler.logins == [SENDER]
    assert sorted(r for m in xoauth2_sink.messages for r in m.rcpt_tos) == ["a@example.org", "b@example.org"]


def test_delegated_send(delegated_smtp, xoauth2_sink):
    queue(delegated_smtp, ["a@example.org"])
    assert send_due(delegated_smtp).sent == 1


def test_token_refused_once_is_renewed_and_sent(delegated_smtp, xoauth2_sink, oauth_server):
    oauth_server.expire_access_tokens()  # by the server's clock only
    queue(delegated_smtp, ["a@example.org"])
    assert send_due(delegated_smtp).sent == 1
    assert oauth_server.grants("refresh_token") == 1


def test_revoked_sign_in_stops_the_run_and_keeps_messages_queued(delegated_smtp, xoauth2_sink, oauth_server):
    queue(delegated_smtp, ["a@example.org", "b@example.org"])
    oauth_server.revoke_all()
    report = send_due(delegated_smtp)
    assert report.sent == 0 and "\n" not in report.stopped
    assert "run `mln auth login` again" in report.stopped
    assert count_due(delegated_smtp) == 2 and xoauth2_sink.messages == []
    forget_token_sources()  # a new process after `mln auth login`
    sign_in(delegated_smtp, oauth_server, user=SENDER)
    assert send_due(delegated_smtp).sent == 2


def test_token_for_another_sender_is_refused_with_one_line(app_smtp, xoauth2_sink, oauth_server):
    oauth_server.clients[CLIENT_ID].mailbox = "someone-else"
    with pytest.raises(SmtpError) as exc:
        SmtpConnection(app_smtp).open()
    assert "refused the OAuth 2.0 token for user42 (535" in str(exc.value) and "\n" not in str(exc.value)
    assert oauth_server.grants("client_credentials") == 2  # one renewal, then it gave up


def test_wrong_scope_stops_with_one_line(app_smtp, xoauth2_sink, oauth_server):
    oauth_server.grant_scopes = ["https://graph.microsoft.com/User.Read"]  # no SMTP.Send
    queue(app_smtp, ["a@example.org"])
    report = send_due(app_smtp)
    assert report.sent == 0 and "refused the OAuth 2.0 token" in report.stopped
    assert count_due(app_smtp) == 1
