"""The worker meets a revoked sign-in: one log line per step, backoff, no crash, nothing lost;
after `mln auth login` it reads and sends everything that waited."""

from __future__ import annotations

import logging

from auth.conftest import PUBLIC_CLIENT_ID, make_settings
from auth.test_imap_xoauth2 import DELEGATED, a_message
from auth.test_tokens import sign_in
from outbox.outbox_helpers import queue

from pipeline.auth import forget_token_sources
from pipeline.outbound.claims import count_due
from pipeline.worker import Worker


def test_worker_backs_off_on_a_revoked_sign_in_and_recovers_after_login(
    oauth_mailbox, xoauth2_sink, oauth_server, sqlite_url, tmp_path, caplog
):
    oauth_server.add_client(PUBLIC_CLIENT_ID)
    settings = make_settings(
        tmp_path,
        oauth_server,
        mailbox_url=oauth_mailbox.url,
        smtp_url=xoauth2_sink.url(),
        smtp_user=oauth_mailbox.user,
        db_url=sqlite_url,
        client_id=PUBLIC_CLIENT_ID,
        flow="device_code",
        scopes=DELEGATED,
    )
    sign_in(settings, oauth_server, user=oauth_mailbox.user)
    oauth_mailbox.append(a_message())
    queue(settings, ["member@example.org"])
    oauth_server.revoke_all()
    now = [0.0]
    worker = Worker(settings, clock=lambda: now[0])

    caplog.set_level(logging.WARNING)
    assert worker.poll() is False and worker.send() is False
    lines = [r.getMessage() for r in caplog.records if r.name == "pipeline.worker"]
    assert len(lines) == 2  # one for the mailbox, one for SMTP; each a single line saying what to do
    assert all("run `mln auth login` again" in line and "\n" not in line for line in lines)
    assert not worker.mailbox.ready() and not worker.smtp.ready()  # waiting, not hammering the servers
    assert oauth_mailbox.count("INBOX") == 1 and count_due(settings) == 1

    forget_token_sources()  # `mln auth login` ran in another process
    sign_in(settings, oauth_server, user=oauth_mailbox.user)
    forget_token_sources()
    now[0] += settings.worker.backoff_max + 1
    assert worker.mailbox.ready() and worker.smtp.ready()
    worker.poll()
    worker.send()
    # The queued mail, and the answer to the message polled (a person's, held by the default rule).
    assert worker.stats.fetched == 1 and worker.stats.sent == 2
    assert oauth_mailbox.count("INBOX") == 0 and count_due(settings) == 0
