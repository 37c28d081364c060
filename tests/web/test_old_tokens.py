"""A token names one person for ever: after `forget`, an old token acts on nobody.

Subscriber ids used to be reused (SQLite gives a deleted rowid to the next row), so a
token kept from a forgotten subscriber unsubscribed the next person given that id.
Ids are now never reused, on SQLite and PostgreSQL alike; this runs on both, against
a running `mln web --only lists`.
"""

from __future__ import annotations

import pytest
from resilience.harness import TOKEN_SECRET_ENV, World
from subscribers.subscriber_helpers import SECRET
from web.web_helpers import fetch

from pipeline.people import subscribers
from pipeline.store.db import transaction

ONE_CLICK = b"List-Unsubscribe=One-Click"


@pytest.fixture
def world(db_url, tmp_path) -> World:
    return World(tmp_path / "world", db_url, environ={TOKEN_SECRET_ENV: str(SECRET)})


def status_of(world, address: str) -> str:
    with transaction(world.db_url, readonly=True) as session:
        return subscribers.find(session, address).status


def test_an_old_token_after_forget_and_re_add_does_nothing(world, start_web):
    assert world.invoke("subscribers", "add", "ann@example.org", "--list", "external").returncode == 0
    with transaction(world.db_url, readonly=True) as session:
        ann_id = subscribers.find(session, "ann@example.org").id
    kept_from_ann = subscribers.make_token(world.settings, "unsubscribe", ann_id)  # in an old bulletin's footer
    assert world.invoke("subscribers", "forget", "ann@example.org", "--yes").returncode == 0
    assert world.invoke("subscribers", "add", "ben@example.org", "--list", "external").returncode == 0
    with transaction(world.db_url, readonly=True) as session:
        assert subscribers.find(session, "ben@example.org").id != ann_id
    web = start_web(world, "--only", "lists")

    status, _, body = fetch(f"{web.url}unsubscribe/{kept_from_ann}", data=ONE_CLICK)

    assert status == 400 and "no such subscriber" in body
    assert status_of(world, "ben@example.org") == "active"


def test_ben_s_own_token_still_works(world, start_web):
    world.invoke("subscribers", "add", "ann@example.org", "--list", "external")
    world.invoke("subscribers", "forget", "ann@example.org", "--yes")
    world.invoke("subscribers", "add", "ben@example.org", "--list", "external")
    with transaction(world.db_url, readonly=True) as session:
        bens = subscribers.make_token(world.settings, "unsubscribe", subscribers.find(session, "ben@example.org").id)
    web = start_web(world, "--only", "lists")

    status, _, body = fetch(f"{web.url}unsubscribe/{bens}", data=ONE_CLICK)

    assert status == 200 and "You have left the bulletin" in body
    assert status_of(world, "ben@example.org") == "unsubscribed"
