"""SMTP AUTH XOAUTH2 through a real Postfix whose SASL is the OAuth Dovecot (smtpd_sasl_type = dovecot):
the same oauth2 passdb and introspection check the token, and the message lands in the recipient's INBOX."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

import pytest
from auth.conftest import CLIENT_ID, CLIENT_SECRET, make_settings
from fixtures.smtp import POSTFIX_MAIN, POSTFIX_VIRTUAL_MAILDIR, _postfix_master_cf, free_port
from outbox.outbox_helpers import queue

from pipeline.outbound.claims import count_due
from pipeline.outbound.sender import send_due

SASL = """\
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:{auth_port}
smtpd_tls_auth_only = no
"""


@pytest.fixture
def sasl_postfix(oauth_dovecot):
    """A Postfix on a loopback port: SASL by the OAuth Dovecot, delivering @example.test into its Maildirs."""
    if not shutil.which("postfix"):
        pytest.skip("Postfix is not installed (apt-get install postfix, with debconf 'No configuration')")
    root = tempfile.mkdtemp(prefix="mln-postfix-oauth-")
    os.chmod(root, 0o755)
    for sub in ("queue", "data"):
        os.mkdir(os.path.join(root, sub))
    owner = pwd.getpwnam("postfix")
    os.chown(os.path.join(root, "data"), owner.pw_uid, owner.pw_gid)
    port = free_port()
    main = POSTFIX_MAIN.format(root=root) + POSTFIX_VIRTUAL_MAILDIR.format(
        mail_root=oauth_dovecot.root / "mail", uid=oauth_dovecot.uid, gid=oauth_dovecot.gid
    )
    with open(os.path.join(root, "main.cf"), "w") as handle:
        handle.write(main + SASL.format(auth_port=oauth_dovecot.auth_port))
    with open(os.path.join(root, "master.cf"), "w") as handle:
        handle.write(_postfix_master_cf(port))
    routes = {}

    def route(address, mailbox):
        routes[address] = mailbox
        with open(os.path.join(root, "vmailbox"), "w") as handle:
            handle.writelines(f"{a} {m.user}/\n" for a, m in routes.items())

    route("nobody@example.test", oauth_dovecot.add_user())
    result = subprocess.run(["postfix", "-c", root, "start"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"220"):
                    break
        except OSError:
            time.sleep(0.05)
    yield f"smtp://127.0.0.1:{port}", route, root
    subprocess.run(["postfix", "-c", root, "stop"], capture_output=True, timeout=60)
    shutil.rmtree(root, ignore_errors=True)


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_postfix_checks_xoauth2_with_dovecot_and_delivers(
    sasl_postfix, oauth_mailbox, oauth_dovecot, oauth_server, sqlite_url, tmp_path
):
    url, route, root = sasl_postfix
    recipient = oauth_dovecot.add_user()
    route("member@example.test", recipient)
    subprocess.run(["postfix", "-c", root, "reload"], capture_output=True, timeout=60)  # texthash: read again on reload
    oauth_server.add_client(CLIENT_ID, secret=CLIENT_SECRET, mailbox=oauth_mailbox.user)
    settings = make_settings(
        tmp_path,
        oauth_server,
        smtp_url=url,
        smtp_user=oauth_mailbox.user,
        db_url=sqlite_url,
        client_secret=CLIENT_SECRET,
        scopes=("https://outlook.office365.com/.default",),
    )
    queue(settings, ["member@example.test"])
    report = send_due(settings)
    assert report.sent == 1, report.stopped
    assert wait_for(lambda: recipient.count("INBOX") == 1)
    log = open(os.path.join(root, "postfix.log"), errors="replace").read()
    assert f"sasl_method=XOAUTH2, sasl_username={oauth_mailbox.user}" in log

    # The app loses its permission on the mailbox: even a fresh token is refused, and the message waits.
    oauth_server.clients[CLIENT_ID].mailbox = "someone-else"
    oauth_server.revoke_all()
    queue(settings, ["member@example.test"])
    report = send_due(settings)
    assert report.sent == 0 and "refused the OAuth 2.0 token" in report.stopped and "\n" not in report.stopped
    assert count_due(settings) == 1
