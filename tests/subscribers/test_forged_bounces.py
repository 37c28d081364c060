"""Forged bounces score nobody: a bounce counts only with our VERP token, or when it quotes
the Message-ID of a copy we sent to the address that failed.

Anyone can write a delivery report naming any address, and a "5.1.1 user unknown" now
disables an address at once: a forged one must count for nothing at all. Each sample from
tests/messages/forged/ goes into a real Dovecot mailbox and `mln poll` reads it with the
default inbox rules.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from subscribers.subscriber_helpers import forged

from pipeline.people import subscribers
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing, Subscriber

ANN, BEN, CARA = "ann.reader@example.nhs.test", "ben.reader@example.nhs.test", "cara.reader@example.org"
WRONG_TOKEN = b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaq"  # in dsn-wrong-token.eml
OUR_COPY_ID = "<179613720012.4242.16071979301554287011@example.org>"  # quoted by dsn-quoting-our-copy.eml


def add_subscribers(world, *addresses) -> dict[str, int]:
    with transaction(world.db_url) as session:
        added = {a: subscribers.add(session, world.settings, a, "external")[0] for a in addresses}
        session.flush()
        return {a: s.id for a, s in added.items()}


def scores(world) -> dict[str, int]:
    with transaction(world.db_url, readonly=True) as session:
        return dict(session.execute(select(Subscriber.email, Subscriber.bounce_score)).all())


def poll(world, imap_account, *messages: bytes) -> dict[str, tuple[str, str]]:
    """Deliver `messages` to the mailbox, run `mln poll`: {Message-ID: (outcome, reason)} of what it recorded."""
    imap_account.append_many(list(messages))
    polled = world.invoke("poll", "--json")
    assert polled.returncode == 0, polled.stderr
    return {r.message_id: (r.outcome, r.reason) for r in world.recorded()}


@pytest.mark.parametrize(
    "name, named",
    [
        ("dsn-no-token.eml", [ANN]),
        ("dsn-wrong-token.eml", [ANN]),
        ("dsn-three-addresses.eml", [ANN, BEN, CARA]),
    ],
)
def test_a_forged_bounce_scores_nobody_and_waits_for_the_lead(world, imap_account, name, named):
    add_subscribers(world, ANN, BEN, CARA)

    [(outcome, reason)] = poll(world, imap_account, forged(name)).values()

    assert scores(world) == {ANN: 0, BEN: 0, CARA: 0}
    assert outcome == "held" and "not counted" in reason and all(a in reason for a in named), reason
    assert len(imap_account.uids("Held")) == 1  # shown to the lead: `mln status`, `mln messages --outcome held`


def test_the_same_bounce_with_our_real_token_counts(world, imap_account):
    ids = add_subscribers(world, ANN, BEN)
    real = subscribers.bounce_address(world.settings, ids[ANN]).split("+bounce-")[1].split("@")[0]

    [(outcome, reason)] = poll(
        world, imap_account, forged("dsn-wrong-token.eml").replace(WRONG_TOKEN, real.encode())
    ).values()

    assert outcome == "processed" and f"{ANN}: mailbox gone 5.1.1 (disabled)" in reason
    assert scores(world) == {ANN: 1, BEN: 0}


def test_a_token_for_one_subscriber_never_scores_the_others_a_report_names(world, imap_account):
    ids = add_subscribers(world, ANN, BEN, CARA)
    real = subscribers.bounce_address(world.settings, ids[CARA]).split("+bounce-")[1].split("@")[0]
    raw = forged("dsn-three-addresses.eml").replace(
        b"To: mln@example.org", f"To: bulletin+bounce-{real}@example.org".encode()
    )

    poll(world, imap_account, raw)

    assert scores(world) == {ANN: 0, BEN: 0, CARA: 1}


def test_a_bounce_quoting_a_copy_we_sent_counts_for_that_copy_only(world, imap_account):
    ids = add_subscribers(world, ANN, BEN)
    with transaction(world.db_url) as session:
        session.add(
            Outgoing(kind="bulletin", recipient=BEN, subscriber_id=ids[BEN], message_id=OUR_COPY_ID, status="sent")
        )
    real = forged("dsn-quoting-our-copy.eml")
    # The same report, claiming Ann's address failed for Ben's copy: a stranger's edit.
    edited = real.replace(BEN.encode(), ANN.encode()).replace(b"A04152637B@", b"A04152637C@")

    outcomes = poll(world, imap_account, real, edited)

    assert scores(world) == {ANN: 0, BEN: 1}
    assert sorted(outcome for outcome, _ in outcomes.values()) == ["held", "processed"]
