"""`mln web`'s server, for real over HTTP on loopback: static files, and the RFC 8058 unsubscribe endpoint."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from pipeline.people.subscribers import add, make_token
from pipeline.site import build_site
from pipeline.store.db import transaction
from pipeline.store.models import Subscriber

from .conftest import serve


@pytest.fixture
def server(seeded, tmp_path):
    build_site(seeded, tmp_path / "out", "internal")
    running, url = serve(seeded, tmp_path / "out")
    yield url
    running.close()


# Straight to the loopback server, whatever proxy the environment names.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str, data: bytes | None = None):
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with DIRECT.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8")


def subscriber_token(settings) -> tuple[int, str]:
    with transaction(settings.database.url) as session:
        subscriber, _ = add(session, settings, "reader@example.org", "external")
        session.flush()
        return subscriber.id, make_token(settings, "unsubscribe", subscriber.id)


def status_of(settings, subscriber_id: int) -> str:
    with transaction(settings.database.url, readonly=True) as session:
        return session.get(Subscriber, subscriber_id).status


def test_serves_the_site_with_a_strict_policy(server):
    status, headers, body = fetch(server)
    assert status == 200 and "Latest bulletin" in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert fetch(server + "items/CH-2026-001.html")[0] == 200
    assert fetch(server + "items/")[0] == 404  # no directory listings
    assert fetch(server + "../mln.db")[0] == 404


def test_one_click_post_unsubscribes_at_once(seeded, server):
    subscriber_id, token = subscriber_token(seeded)
    status, _, body = fetch(f"{server}unsubscribe/{token}", data=b"List-Unsubscribe=One-Click")
    assert status == 200 and "You have left the bulletin" in body
    assert status_of(seeded, subscriber_id) == "unsubscribed"
    status, _, body = fetch(f"{server}unsubscribe?token={token}", data=b"List-Unsubscribe=One-Click")
    assert status == 200 and "used already" in body  # a second press changes nothing (RFC 8058 clients POST twice)


def test_get_only_shows_a_confirm_button(seeded, server):
    subscriber_id, token = subscriber_token(seeded)
    status, _, body = fetch(f"{server}unsubscribe?token={token}")
    assert status == 200 and '<form method="post"' in body and "Unsubscribe</button>" in body
    assert status_of(seeded, subscriber_id) == "active"


def test_a_forged_token_is_refused(seeded, server):
    status, _, body = fetch(f"{server}unsubscribe/not-a-token<script>", data=b"List-Unsubscribe=One-Click")
    assert status == 400 and "<script>" not in body


def test_confirm_link_asks_then_confirms_a_pending_join(seeded, server):
    from pipeline.people.subscribers import request_join

    with transaction(seeded.database.url) as session:
        outcome = request_join(session, seeded, "newcomer@example.org", "external", requested_by="newcomer@example.org")
        subscriber_id = outcome.subscriber.id
        token = make_token(seeded, "confirm", subscriber_id)

    status, _, body = fetch(f"{server}confirm/{token}")
    assert status == 200 and "Confirm</button>" in body
    assert status_of(seeded, subscriber_id) == "pending"  # a link scanner's GET confirms nobody

    status, _, body = fetch(f"{server}confirm/{token}", data=b"")
    assert status == 200 and "Your address is confirmed" in body
    assert status_of(seeded, subscriber_id) == "active"
