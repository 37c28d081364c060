"""End to end with real servers: Postfix on a loopback port delivering into Dovecot, read over IMAP.

A partner asks to join by email, confirms with a plain Reply, receives the next
bulletin copy (List-Unsubscribe, VERP envelope sender) and leaves with the
List-Unsubscribe address. Every message travels through Postfix and Dovecot.
"""

from __future__ import annotations

import dataclasses
import email
import smtplib
import time
from email.policy import default

import pytest
from subscribers.subscriber_helpers import SECRET

from pipeline.compose import build_message, queue_message
from pipeline.config import (
    DatabaseSettings,
    MailboxSettings,
    NetworkSettings,
    PathSettings,
    SecuritySettings,
    Settings,
    SmtpSettings,
)
from pipeline.mailing.delivery import deliver_due
from pipeline.passes import poll_once
from pipeline.people import subscribers
from pipeline.store.db import transaction

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _inbox(account) -> list[bytes]:
    with account.client() as client:
        client.select_folder("INBOX", readonly=True)
        uids = sorted(client.search("ALL"))
        data = client.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        return [data[uid][b"BODY[]"] for uid in uids]


def _wait_for(account, count: int, timeout: float = 30.0) -> list[bytes]:
    """The INBOX once it holds `count` messages (Postfix delivers in the background)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = _inbox(account)
        if len(messages) >= count:
            return messages
        time.sleep(0.1)
    raise AssertionError(f"{account.user} has {len(_inbox(account))} message(s), expected {count}")


def _partner_sends(server, to: str, subject: str, body: str, in_reply_to: str = "") -> None:
    msg = email.message.EmailMessage()
    msg["From"] = "Frances Doyle <frances@example.test>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = email.utils.make_msgid(domain="example.test")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    msg.set_content(body)
    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client:
        client.send_message(msg)


def test_join_confirm_receive_and_leave_through_postfix_and_dovecot(db_url, tmp_path, dovecot, postfix):
    shared, partner = dovecot.add_user(), dovecot.add_user()
    server = postfix({"mln@example.test": shared, "bulletin@example.test": shared, "frances@example.test": partner})
    settings = Settings(
        database=DatabaseSettings(url=db_url),
        mailbox=MailboxSettings(url=shared.url, password=shared.password, use_idle=False),
        smtp=SmtpSettings(
            url=server.url(), timeout=30.0, from_address="bulletin@example.test", reply_to="mln@example.test"
        ),
        network=dataclasses.replace(NetworkSettings(), shared_address="mln@example.test"),
        paths=PathSettings(outbox_dir="outbox"),
        security=SecuritySettings(token_secret=SECRET),
        base_dir=str(tmp_path),
    )

    # 1. "Please add us to the bulletin" -> pending, confirmation sent to the partner.
    _partner_sends(server, "mln@example.test", "Bulletin", "Hello,\n\nplease add us to the bulletin.\n\nFrances\n")
    _wait_for(shared, 1)
    poll_once(settings)
    assert deliver_due(settings).sent == 1
    confirmation = email.message_from_bytes(_wait_for(partner, 1)[0], policy=default)
    reply_to = confirmation["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("bulletin+confirm-")

    # 2. A plain Reply confirms; the welcome comes back through Postfix.
    _partner_sends(server, reply_to, "Re: " + confirmation["Subject"], "Yes please.\n", confirmation["Message-ID"])
    _wait_for(shared, 1)  # each poll files what it read out of the INBOX
    poll_once(settings)
    with transaction(db_url, readonly=True) as session:
        assert subscribers.find(session, "frances@example.test").status == "active"
    assert deliver_due(settings).sent == 1
    _wait_for(partner, 2)

    # 3. The next bulletin reaches her, with List-Unsubscribe and a VERP envelope sender.
    with transaction(db_url) as session:
        [frances] = subscribers.recipients(session, ["external"])
        headers = {
            "List-Id": "MLN Bulletin <bulletin.example.test>",
            "Precedence": "bulk",
            **subscribers.list_unsubscribe_headers(settings, frances.id),
        }
        msg = build_message(settings, frances.email, "MLN Bulletin - November 2026", "This month...\n", headers=headers)
        queue_message(
            session,
            settings,
            msg,
            kind="bulletin",
            bulletin_id=1,
            subscriber_id=frances.id,
            envelope_from=subscribers.bounce_address(settings, frances.id),
        )
    assert deliver_due(settings).sent == 1
    bulletin = email.message_from_bytes(_wait_for(partner, 3)[2], policy=default)
    assert bulletin["Subject"] == "MLN Bulletin - November 2026"
    assert bulletin["Return-Path"].strip("<>").startswith("bulletin+bounce-")
    mailto = bulletin["List-Unsubscribe"].strip("<>").removeprefix("mailto:")

    # 4. Mail to the List-Unsubscribe address: she has left at once.
    _partner_sends(server, mailto, "unsubscribe", "")
    _wait_for(shared, 1)
    poll_once(settings)
    with transaction(db_url, readonly=True) as session:
        assert subscribers.find(session, "frances@example.test").status == "unsubscribed"
