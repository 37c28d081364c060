"""Hard bounces: one point a day at most; past the threshold the subscriber is disabled and the lead told."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from subscribers.subscriber_helpers import make_settings

from pipeline.compose import build_message, queue_message
from pipeline.mailing.delivery import deliver_due
from pipeline.people import subscribers
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing, utcnow


@pytest.fixture
def settings(db_url, tmp_path, smtp_sink):
    return make_settings(db_url, tmp_path, smtp_sink.url())


def _add(settings, address="ann@example.org"):
    with transaction(settings.database.url) as session:
        return subscribers.add(session, settings, address, "external")[0].id


def _bounce(settings, sub_id, when):
    with transaction(settings.database.url) as session:
        sub = session.get(subscribers.registry.Subscriber, sub_id)
        return subscribers.record_hard_bounce(session, settings, sub, source="dsn", detail="550 no such user", now=when)


def test_one_point_per_day_and_disabled_at_the_threshold(settings):
    sub_id = _add(settings)
    start = utcnow()
    first = _bounce(settings, sub_id, start)
    same_day = _bounce(settings, sub_id, start)
    assert (first.counted, first.score) == (True, 1)
    assert (same_day.counted, same_day.score) == (False, 1)
    results = [_bounce(settings, sub_id, start + dt.timedelta(days=d)) for d in range(1, 5)]
    assert [r.score for r in results] == [2, 3, 4, 5]
    assert [r.disabled for r in results] == [False, False, False, True]
    with transaction(settings.database.url, readonly=True) as session:
        ann = subscribers.find(session, "ann@example.org")
        assert ann.status == "disabled" and "5 hard-bounce days" in ann.disabled_reason
        notices = session.scalars(select(Outgoing).where(Outgoing.kind == "notice")).all()
        assert [n.recipient for n in notices] == [settings.network.shared_address]
        assert subscribers.bounce_list(session)[0]["email"] == "ann@example.org"
        assert subscribers.recipients(session, ["external"]) == []


def test_old_bounces_fall_out_of_the_window(settings):
    sub_id = _add(settings)
    start = utcnow() - dt.timedelta(days=100)
    for d in range(4):
        _bounce(settings, sub_id, start + dt.timedelta(days=d))
    assert _bounce(settings, sub_id, utcnow()).score == 1


def test_a_5xx_at_smtp_time_counts_against_the_subscriber(settings, smtp_sink):
    sub_id = _add(settings, "gone@example.org")
    smtp_sink.fail_rcpt["gone@example.org"] = "550 5.1.1 no such user"
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
        assert gone.bounce_score == 1 and gone.status == "active"
    assert smtp_sink.messages == []


def test_bounce_address_carries_a_verp_token_naming_the_subscriber(settings):
    sub_id = _add(settings)
    address = subscribers.bounce_address(settings, sub_id)
    token = subscribers.find_token("bounce", address)
    assert (
        address.startswith("bulletin+bounce-")
        and subscribers.read_token(settings, token, "bounce").subscriber_id == sub_id
    )
