"""The subscriber list read through the driver (listing.py) shows what the models hold: the same
fields, values and order as `as_dict` of each mapped Subscriber, for every filter `mln subscribers` has."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from subscribers.subscriber_helpers import make_settings

from pipeline.people import subscribers
from pipeline.people.subscribers.listing import list_subscribers
from pipeline.store.db import transaction
from pipeline.store.models import ListMembership, Subscriber
from pipeline.store.reader import reading

WHEN = dt.datetime(2026, 11, 30, 9, 15, 42, 123456, tzinfo=dt.UTC)


@pytest.fixture
def settings(db_url, tmp_path):
    return make_settings(db_url, tmp_path)


@pytest.fixture
def people(settings):
    """Subscribers in every state the filters tell apart, added out of address order."""
    with transaction(settings.database.url) as session:
        subscribers.add(session, settings, "zoe@example.org", "internal", name="Zoë Ünal", organisation="Leeds MHT")
        subscribers.add(session, settings, "zoe@example.org", "external")
        subscribers.add(session, settings, "bob@example.nhs.test", "external")
        subscribers.add(session, settings, "gone@example.org", "internal")
        subscribers.remove(session, "gone@example.org")  # unsubscribed, on no list
        waiting = Subscriber(email="amy@example.org", status="pending", awaiting_approval=True, joined_via="email")
        waiting.memberships.append(ListMembership(list_name="internal", confirmed=False))
        session.add(waiting)
        subscribers.add(session, settings, "cat@example.org", "internal")
        session.flush()
        cat = subscribers.find(session, "cat@example.org")
        cat.confirmed_at, cat.bounce_score = WHEN, 2


def _from_the_models(url, list_name=None, status=None, awaiting_approval=None, limit=None):
    """The listing as the models would give it (the query `list_subscribers` replaced)."""
    query = select(Subscriber).options(selectinload(Subscriber.memberships)).order_by(Subscriber.email)
    if status:
        query = query.where(Subscriber.status == status)
    if awaiting_approval is not None:
        query = query.where(Subscriber.awaiting_approval == awaiting_approval)
    if list_name:
        query = query.where(Subscriber.memberships.any(ListMembership.list_name == list_name))
    with transaction(url, readonly=True) as session:
        return [subscribers.as_dict(s) for s in session.scalars(query.limit(limit))]


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"limit": 2},
        {"list_name": "internal"},
        {"list_name": "external", "limit": 1},
        {"status": "active"},
        {"status": "unsubscribed"},
        {"awaiting_approval": True},
        {"awaiting_approval": False, "list_name": "internal", "status": "active"},
        {"list_name": "nobody-is-on-this"},
    ],
    ids=repr,
)
def test_the_listing_reads_what_the_models_hold(settings, people, filters):
    with reading(settings.database.url) as reader:
        rows = list_subscribers(reader, **filters)
    assert rows == _from_the_models(settings.database.url, **filters)


def test_each_field_comes_back_typed(settings, people):
    with reading(settings.database.url) as reader:
        rows = {row["email"]: row for row in list_subscribers(reader)}
    assert list(rows) == sorted(rows)
    assert rows["zoe@example.org"]["lists"] == ["external", "internal"]  # by name, whatever order they were added
    assert rows["zoe@example.org"]["name"] == "Zoë Ünal"
    assert rows["gone@example.org"]["lists"] == [] and rows["gone@example.org"]["status"] == "unsubscribed"
    assert (
        rows["amy@example.org"]["awaiting_approval"] is True and rows["cat@example.org"]["awaiting_approval"] is False
    )
    assert rows["cat@example.org"]["confirmed_at"] == "2026-11-30T09:15:42+00:00"
    assert rows["cat@example.org"]["bounce_score"] == 2
    assert rows["amy@example.org"]["confirmed_at"] == ""


def test_export_writes_the_listing(settings, people, tmp_path):
    assert subscribers.export_csv(settings, tmp_path / "internal.csv", "internal") == 3
    lines = (tmp_path / "internal.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in lines] == ["email", "amy@example.org", "cat@example.org", "zoe@example.org"]
