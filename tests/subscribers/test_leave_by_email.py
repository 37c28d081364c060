"""Leave by email: at once when the receiving server vouches for the sender, else after a confirming reply.

A message saying "unsubscribe" from a forged From used to unsubscribe that person at
once. Now a request from an address (no token) acts at once only when the
Authentication-Results of a trusted receiving server (security.trusted_authserv_ids,
here mx.example.org) says dmarc=pass; otherwise the subscriber is asked, at their own
address, to confirm by replying, as Mailman does by default. Through the real intake:
the samples in tests/messages/forged/ into Dovecot, then `mln poll`.
"""

from __future__ import annotations

import email
from email.policy import default

import pytest
from sqlalchemy import select
from subscribers.subscriber_helpers import forged, reply

from pipeline.people import subscribers
from pipeline.people.subscribers.joining import LEAVE_CONFIRM
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing

ANN = "ann.reader@example.nhs.test"
SPOOFED = ["leave-no-authentication-results.eml", "leave-dmarc-fail.eml"]


@pytest.fixture
def ann(world):
    with transaction(world.db_url) as session:
        subscribers.add(session, world.settings, ANN, "external", name="Ann Reader")


def status(world) -> str:
    with transaction(world.db_url, readonly=True) as session:
        return subscribers.find(session, ANN).status


def sent(world, kind: str) -> list[email.message.EmailMessage]:
    with transaction(world.db_url, readonly=True) as session:
        rows = session.scalars(select(Outgoing).where(Outgoing.kind == kind).order_by(Outgoing.id))
        return [email.message_from_bytes(row.raw, policy=default) for row in rows]


def poll(world, imap_account, *messages: bytes) -> list[tuple[str, str]]:
    imap_account.append_many(list(messages))
    polled = world.invoke("poll", "--json")
    assert polled.returncode == 0, polled.stderr
    return [(r.outcome, r.reason) for r in world.recorded()]


@pytest.mark.parametrize("name", SPOOFED)
def test_a_leave_the_server_did_not_vouch_for_needs_a_reply(world, imap_account, ann, name):
    [(outcome, reason)] = poll(world, imap_account, forged(name))

    assert status(world) == "active"
    assert outcome == "processed" and "asked ann.reader@example.nhs.test to confirm leaving" in reason
    assert sent(world, "goodbye") == []
    [ask] = sent(world, LEAVE_CONFIRM)
    assert [a.addr_spec for a in ask["To"].addresses] == [ANN]  # to the subscriber, never to a Reply-To
    assert ask["Reply-To"].addresses[0].addr_spec.startswith("bulletin+unsubscribe-")
    assert "simply reply" in ask.get_content() and "ignore it: you stay subscribed" in ask.get_content()


def test_replying_to_the_request_leaves(world, imap_account, ann):
    poll(world, imap_account, forged("leave-no-authentication-results.eml"))
    [ask] = sent(world, LEAVE_CONFIRM)

    poll(world, imap_account, reply(ANN, ask["Reply-To"].addresses[0].addr_spec, "Re: " + ask["Subject"]))

    assert status(world) == "unsubscribed"
    assert [m["To"].addresses[0].addr_spec for m in sent(world, "goodbye")] == [ANN]


def test_a_leave_with_dmarc_pass_from_our_server_acts_at_once(world, imap_account, ann):
    [(outcome, reason)] = poll(world, imap_account, forged("leave-dmarc-pass.eml"))

    assert (outcome, reason) == ("processed", "ann.reader@example.nhs.test left the bulletin")
    assert status(world) == "unsubscribed"
    assert sent(world, LEAVE_CONFIRM) == [] and len(sent(world, "goodbye")) == 1


def test_without_a_trusted_server_every_leave_by_address_is_confirmed(world, imap_account, ann):
    del world.environ["MLN_SECURITY_TRUSTED_AUTHSERV_IDS"]

    poll(world, imap_account, forged("leave-dmarc-pass.eml"))

    assert status(world) == "active" and len(sent(world, LEAVE_CONFIRM)) == 1


def test_a_stranger_repeating_the_request_sends_one_request_a_day(world, imap_account, ann):
    spoofed = forged("leave-no-authentication-results.eml")
    again = [spoofed.replace(b"<leave-1.5f0c@", f"<leave-1.{n}@".encode()) for n in range(4)]

    outcomes = poll(world, imap_account, spoofed, *again)

    assert len(sent(world, LEAVE_CONFIRM)) == 1 and status(world) == "active"
    assert sum("less than a day ago" in reason for _, reason in outcomes) == 4
