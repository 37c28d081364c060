"""One-click done right, against `mln web`'s real server (waitress) in this process:
GET shows a styled page naming the network and the address (partly hidden) with a button;
POST acts; a second POST of the same link answers 200 and changes nothing; forged links
get a plain refusal; the confirm pages look the same."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
from subscribers.subscriber_helpers import make_settings
from web.web_helpers import fetch

from pipeline.config import NetworkSettings
from pipeline.people import subscribers
from pipeline.people.subscribers.tokens import make_token, mask_address
from pipeline.store.db import transaction
from pipeline.store.models import Subscriber, UsedToken
from pipeline.web_server import make_server

ONE_CLICK = b"List-Unsubscribe=One-Click"
NETWORK = "Perinatal Mental Health Managed Learning Network"


@pytest.fixture
def settings(db_url, tmp_path):
    base = make_settings(db_url, tmp_path)
    return dataclasses.replace(
        base, network=NetworkSettings(name=NETWORK, short_name="PMH", shared_address="pmh@example.nhs.uk")
    )


@pytest.fixture
def web(settings):
    server = make_server(settings, host="127.0.0.1", port=0, only="lists")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.url
    server.close()


def _subscriber(settings, address="helen.jones@example.nhs.uk", purpose="unsubscribe", **token) -> tuple[int, str]:
    with transaction(settings.database.url) as session:
        if purpose == "confirm":
            subscriber = subscribers.request_join(
                session, settings, address, "external", requested_by=address
            ).subscriber
        else:
            subscriber, _ = subscribers.add(session, settings, address, "external")
        session.flush()
        return subscriber.id, make_token(settings, purpose, subscriber.id, **token)


def _status(settings, subscriber_id: int) -> str:
    with transaction(settings.database.url, readonly=True) as session:
        return session.get(Subscriber, subscriber_id).status


def _used_tokens(settings) -> int:
    with transaction(settings.database.url, readonly=True) as session:
        return len(session.query(UsedToken).all())


@pytest.mark.parametrize(
    ("address", "masked"),
    [
        ("helen@example.nhs.uk", "h***n@example.nhs.uk"),
        ("jo@example.org", "j***@example.org"),
        ("a@example.org", "a***@example.org"),
    ],
)
def test_an_address_is_shown_partly_hidden(address, masked):
    assert mask_address(address) == masked


def test_get_shows_a_styled_page_with_the_network_the_masked_address_and_a_button(settings, web):
    subscriber_id, token = _subscriber(settings)

    status, headers, body = fetch(f"{web}unsubscribe/{token}")

    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert NETWORK in body and "<style>" in body
    assert "h***s@example.nhs.uk" in body and "helen.jones" not in body
    assert f'<form method="post" action="/unsubscribe/{token}">' in body and "Unsubscribe</button>" in body
    assert "PMH Bulletin" in body and "pmh@example.nhs.uk" in body
    assert _status(settings, subscriber_id) == "active"  # a link scanner's GET unsubscribes nobody


def test_a_second_post_of_the_same_link_answers_200_and_changes_nothing(settings, web):
    subscriber_id, token = _subscriber(settings)

    first = fetch(f"{web}unsubscribe/{token}", data=ONE_CLICK)
    assert first[0] == 200 and "You have left the bulletin" in first[2]
    assert _status(settings, subscriber_id) == "unsubscribed"
    with transaction(settings.database.url) as session:  # she joins again later (by writing and confirming)
        session.get(Subscriber, subscriber_id).status = "active"
    assert _status(settings, subscriber_id) == "active"

    second = fetch(f"{web}unsubscribe/{token}", data=ONE_CLICK)

    assert second[0] == 200 and "used already" in second[2] and NETWORK in second[2]
    assert _status(settings, subscriber_id) == "active"  # the old link does not act again
    assert fetch(f"{web}unsubscribe/{token}")[0] == 200  # and its page says it was used
    assert _used_tokens(settings) == 1


def test_two_presses_at_once_both_answer_200_and_leave_once(settings, web):
    subscriber_id, token = _subscriber(settings)
    answers: list[int] = []

    def press() -> None:
        answers.append(fetch(f"{web}unsubscribe/{token}", data=ONE_CLICK)[0])

    presses = [threading.Thread(target=press) for _ in range(4)]
    for thread in presses:
        thread.start()
    for thread in presses:
        thread.join()

    assert answers == [200, 200, 200, 200]
    assert _status(settings, subscriber_id) == "unsubscribed" and _used_tokens(settings) == 1


def test_forged_altered_expired_and_misused_links_get_a_plain_refusal(settings, web):
    subscriber_id, token = _subscriber(settings)
    _, expired = _subscriber(settings, "old@example.org", now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    _, confirm_token = _subscriber(settings, "new@example.org", purpose="confirm")
    altered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    links = {
        "made up": "unsubscribe/not-a-token<script>alert(1)</script>",
        "altered": f"unsubscribe/{altered}",
        "expired": f"unsubscribe/{expired}",
        "another purpose": f"unsubscribe/{confirm_token}",
        "empty": "unsubscribe?token=",
    }
    for name, link in links.items():
        for data in (None, ONE_CLICK):
            status, _, body = fetch(web + link, data=data)
            assert status == 400, name
            assert "This link cannot be used" in body and NETWORK in body, name
            assert "<script>" not in body and "</form>" not in body, name
    assert _status(settings, subscriber_id) == "active" and _used_tokens(settings) == 0


def test_the_confirm_pages_are_styled_alike_and_a_second_press_is_fine(settings, web):
    subscriber_id, token = _subscriber(settings, "newcomer@example.org", purpose="confirm")

    status, _, asked = fetch(f"{web}confirm/{token}")
    assert status == 200 and NETWORK in asked and "<style>" in asked
    assert "n***r@example.org" in asked and "Confirm</button>" in asked
    assert _status(settings, subscriber_id) == "pending"

    first = fetch(f"{web}confirm/{token}", data=b"")
    second = fetch(f"{web}confirm/{token}", data=b"")

    assert first[0] == 200 and "Your address is confirmed" in first[2]
    assert second[0] == 200 and "confirmed already" in second[2]
    assert _status(settings, subscriber_id) == "active"
