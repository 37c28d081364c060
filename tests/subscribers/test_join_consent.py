"""A join request never changes an existing subscriber's record; only their own confirmation does.

Before, a stranger asking to add someone already subscribed overwrote that person's
consent trail (who asked, in which message) and could turn a disabled or departed
subscriber back into a pending one. And the join limit counted requests per sender,
a From anyone can forge: it now also counts confirmations per address asked about.
Through the real intake: tests/messages/forged/join-naming-a-subscriber.eml into
Dovecot, then `mln poll`.
"""

from __future__ import annotations

import email
from email.policy import default

import pytest
from sqlalchemy import select
from subscribers.subscriber_helpers import forged, reply

from pipeline.people import subscribers
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing, Subscriber, utcnow

ANN = "ann.reader@example.nhs.test"
RECORD = (
    "status",
    "name",
    "joined_via",
    "joined_at",
    "requested_by",
    "request_message_pk",
    "confirmed_at",
    "confirmed_via",
    "confirmation_sent_at",
    "unsubscribed_at",
    "disabled_at",
    "disabled_reason",
)


def record_of(world, address: str) -> dict:
    with transaction(world.db_url, readonly=True) as session:
        subscriber = subscribers.find(session, address)
        return {name: getattr(subscriber, name) for name in RECORD} | {"lists": subscriber.lists}


def put_ann_in(world, state: str) -> None:
    """Ann as the lead added her (internal list), then in `state`."""
    with transaction(world.db_url) as session:
        ann, _ = subscribers.add(session, world.settings, ANN, "internal", name="Ann Reader")
        if state == "unsubscribed":
            subscribers.remove(session, ANN)
        elif state == "disabled":
            ann.status, ann.disabled_at, ann.disabled_reason = "disabled", utcnow(), "5 hard-bounce days in 30 days"


def confirmations(world) -> list[Outgoing]:
    with transaction(world.db_url, readonly=True) as session:
        return list(session.scalars(select(Outgoing).where(Outgoing.kind == "confirm").order_by(Outgoing.id)))


def poll(world, imap_account, *messages: bytes) -> None:
    imap_account.append_many(list(messages))
    assert world.invoke("poll", "--json").returncode == 0


@pytest.mark.parametrize("state", ["active", "unsubscribed", "disabled"])
def test_a_stranger_s_join_request_leaves_the_record_as_it_was(world, imap_account, state):
    put_ann_in(world, state)
    before = record_of(world, ANN)

    poll(world, imap_account, forged("join-naming-a-subscriber.eml"))

    after = record_of(world, ANN)
    assert {k: v for k, v in after.items() if k != "lists"} == {k: v for k, v in before.items() if k != "lists"}
    with transaction(world.db_url, readonly=True) as session:
        assert [s.email for s in subscribers.recipients(session, ["external"])] == []  # nothing takes effect unasked
    assert [c.recipient for c in confirmations(world)] == [ANN]  # only Ann can say yes


def test_ann_s_own_reply_is_what_changes_her_record(world, imap_account, smtp_sink):
    put_ann_in(world, "unsubscribed")
    world.smtp_url = smtp_sink.url()
    world.write_config()
    poll(world, imap_account, forged("join-naming-a-subscriber.eml"))
    assert world.invoke("outbox", "flush").returncode == 0
    # Ann's confirmation, and the stranger's note that says nothing about Ann.
    [sent] = [m for m in smtp_sink.messages if m.rcpt_tos == [ANN]]
    reply_to = email.message_from_bytes(sent.data, policy=default)["Reply-To"].addresses[0].addr_spec

    poll(world, imap_account, reply(ANN, reply_to, "Re: Please confirm your subscription"))

    after = record_of(world, ANN)
    assert after["status"] == "active" and after["lists"] == ["external"]
    assert after["requested_by"] == "stranger@elsewhere.example"  # the trail names who asked, now that Ann agreed
    with transaction(world.db_url, readonly=True) as session:
        stranger_request = session.scalar(select(Subscriber.request_message_pk).where(Subscriber.email == ANN))
    assert stranger_request is not None


def test_many_strangers_asking_for_one_address_send_it_one_confirmation_a_day(world, imap_account):
    sample = forged("join-naming-a-subscriber.eml")
    requests = [
        sample.replace(b"stranger@elsewhere.example", f"stranger{n}@elsewhere{n}.example".encode()).replace(
            b"<join-1.9b2e@", f"<join-{n}.9b2e@".encode()
        )
        for n in range(6)
    ]

    poll(world, imap_account, *requests)

    assert [c.recipient for c in confirmations(world)] == [ANN]
    reasons = [r.reason for r in world.recorded()]
    assert sum("less than a day ago" in r for r in reasons) == 5, reasons
