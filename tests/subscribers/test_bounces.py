"""Failed deliveries, counted per edition: a gone mailbox is disabled at once, anything else
after `bounces.soft_editions` editions in a row (a bi-monthly list never sees 5 bounce days a month)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select
from subscribers.subscriber_helpers import make_settings

from pipeline.compose import build_message, queue_message
from pipeline.config import BounceSettings
from pipeline.mailing.delivery import deliver_due
from pipeline.people import subscribers
from pipeline.store.db import transaction
from pipeline.store.models import Bounce, Outgoing, Subscriber, utcnow


@pytest.fixture
def settings(db_url, tmp_path, smtp_sink):
    return make_settings(db_url, tmp_path, smtp_sink.url())


def _add(settings, address="ann@example.org"):
    with transaction(settings.database.url) as session:
        return subscribers.add(session, settings, address, "external")[0].id


def _sent(settings, sub_id, bulletin_id, address="ann@example.org"):
    """A bulletin copy of edition `bulletin_id` went to the subscriber."""
    with transaction(settings.database.url) as session:
        session.add(
            Outgoing(
                kind="bulletin",
                recipient=address,
                subscriber_id=sub_id,
                bulletin_id=bulletin_id,
                status="sent",
                sent_at=utcnow(),
                message_id=f"<copy-{bulletin_id}-{sub_id}@example.org>",
            )
        )


def _fail(settings, sub_id, bulletin_id, hard=False, status="5.2.2", detail="mailbox full"):
    with transaction(settings.database.url) as session:
        sub = session.get(Subscriber, sub_id)
        return subscribers.record_bounce(
            session, settings, sub, hard=hard, source="bounce", bulletin_id=bulletin_id, status=status, detail=detail
        )


def _status(settings, address="ann@example.org"):
    with transaction(settings.database.url, readonly=True) as session:
        sub = subscribers.find(session, address)
        return sub.status, sub.bounce_score, sub.disabled_reason


def test_a_gone_mailbox_is_disabled_at_once_with_the_reason(settings):
    sub_id = _add(settings)
    _sent(settings, sub_id, 1)
    result = _fail(settings, sub_id, 1, hard=True, status="5.1.1", detail="550 5.1.1 user unknown")
    assert (result.disabled, result.hard, result.score) == (True, True, 1)
    status, _, reason = _status(settings)
    assert status == "disabled" and reason.startswith("mailbox gone (5.1.1): 550 5.1.1 user unknown")
    with transaction(settings.database.url, readonly=True) as session:
        notices = session.scalars(select(Outgoing).where(Outgoing.kind == "notice")).all()
        assert [n.recipient for n in notices] == [settings.network.shared_address]
        assert subscribers.bounce_list(session)[0]["email"] == "ann@example.org"
        assert subscribers.recipients(session, ["external"]) == []


def test_soft_failures_disable_after_three_editions_in_a_row(settings):
    sub_id = _add(settings)
    results = []
    for edition in (1, 2, 3):
        _sent(settings, sub_id, edition)
        results.append(_fail(settings, sub_id, edition))
    assert [(r.score, r.disabled) for r in results] == [(1, False), (2, False), (3, True)]
    status, score, reason = _status(settings)
    assert (status, score) == ("disabled", 3) and reason.startswith("3 editions in a row failed")


def test_the_same_edition_counts_once_however_many_reports_come(settings):
    sub_id = _add(settings)
    _sent(settings, sub_id, 1)
    first, again = _fail(settings, sub_id, 1), _fail(settings, sub_id, 1)
    assert (first.counted, again.counted, again.score) == (True, False, 1)
    # ...but a later report that the mailbox is gone still disables at once.
    assert _fail(settings, sub_id, 1, hard=True, status="5.1.1").disabled
    with transaction(settings.database.url, readonly=True) as session:
        assert session.scalars(select(Bounce.kind)).all() == ["hard"]


def test_an_edition_delivered_in_between_starts_the_count_again(settings):
    sub_id = _add(settings)
    for edition in (1, 2, 3, 4):
        _sent(settings, sub_id, edition)
    _fail(settings, sub_id, 1)
    _fail(settings, sub_id, 2)  # edition 3 went through
    assert _fail(settings, sub_id, 4).score == 1
    assert _status(settings)[0] == "active"


def test_the_number_of_editions_is_configurable(settings):
    two = dataclasses.replace(settings, bounces=BounceSettings(soft_editions=2))
    sub_id = _add(two)
    _sent(two, sub_id, 1)
    _sent(two, sub_id, 2)
    assert not _fail(two, sub_id, 1).disabled
    assert _fail(two, sub_id, 2).disabled


@pytest.mark.parametrize(
    ("status", "words", "gone"),
    [
        ("5.1.1", "", True),
        ("5.1.10", "null MX", True),
        ("5.2.1", "mailbox disabled", True),
        ("5.1.6", "mailbox has moved", True),
        ("5.1.0", "", True),
        ("5.1.2", "", True),
        ("5.2.2", "mailbox full", False),
        ("5.7.1", "user unknown in spam filter wording", False),  # a specific code wins over words
        ("5.7.515", "access denied, sending domain does not meet authentication requirements", False),
        ("5.4.4", "unable to route", False),
        ("5.0.0", "<x@example.org>... User unknown", True),
        ("5.0.0", "message rejected", False),
        ("", "550 no such user here", True),
        ("", "550 rejected by policy", False),
    ],
)
def test_which_failures_say_the_mailbox_is_gone(status, words, gone):
    assert subscribers.is_mailbox_gone(status, words) is gone


@pytest.mark.parametrize(
    ("reply", "disabled", "status"),
    [("550 5.1.1 <gone@example.org>: no such user", True, "5.1.1"), ("552 5.2.2 mailbox full", False, "5.2.2")],
)
def test_a_5xx_at_smtp_time_counts_against_the_copy_s_edition(settings, smtp_sink, reply, disabled, status):
    sub_id = _add(settings, "gone@example.org")
    smtp_sink.fail_rcpt["gone@example.org"] = reply
    with transaction(settings.database.url) as session:
        msg = build_message(settings, "gone@example.org", "MLN Bulletin", "text\n")
        queue_message(
            session,
            settings,
            msg,
            kind="bulletin",
            subscriber_id=sub_id,
            bulletin_id=1,
            envelope_from=subscribers.bounce_address(settings, sub_id),
        )
    report = deliver_due(settings)
    assert report.failed == 1 and report.hard_bounces[0].subscriber_id == sub_id
    with transaction(settings.database.url, readonly=True) as session:
        gone = subscribers.find(session, "gone@example.org")
        assert (gone.status == "disabled", gone.bounce_score) == (disabled, 1)
        [row] = session.scalars(select(Bounce)).all()
        assert (row.bulletin_id, row.source, row.status) == (1, "smtp", status)
    assert smtp_sink.messages == []


def test_bounce_address_carries_a_verp_token_naming_the_subscriber(settings):
    sub_id = _add(settings)
    address = subscribers.bounce_address(settings, sub_id)
    token = subscribers.find_token("bounce", address)
    assert (
        address.startswith("bulletin+bounce-")
        and subscribers.read_token(settings, token, "bounce").subscriber_id == sub_id
    )
