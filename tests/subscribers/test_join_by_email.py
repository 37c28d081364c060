"""Joining, confirming and leaving by email: real sample messages, default inbox rules, real SMTP sink."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
from email.policy import default

import pytest
from sqlalchemy import select
from subscribers.subscriber_helpers import handle, make_settings, reply, sample, with_lists

from pipeline.config import WebSettings
from pipeline.mailing.delivery import deliver_due
from pipeline.people import subscribers
from pipeline.store.db import transaction
from pipeline.store.models import Outgoing, Subscriber, utcnow
from pipeline.store.reader import reading


@pytest.fixture
def settings(db_url, tmp_path, smtp_sink):
    return make_settings(db_url, tmp_path, smtp_sink.url())


def _subscriber(settings, address) -> Subscriber | None:
    with transaction(settings.database.url, readonly=True) as session:
        return subscribers.find(session, address)


def _outgoing(settings, kind=None) -> list[Outgoing]:
    with transaction(settings.database.url, readonly=True) as session:
        query = select(Outgoing).order_by(Outgoing.id)
        if kind:
            query = query.where(Outgoing.kind == kind)
        return list(session.scalars(query))


def _send_and_get(settings, sink, kind_index=-1):
    assert deliver_due(settings).stopped == ""
    return email.message_from_bytes(sink.messages[kind_index].data, policy=default)


def test_join_confirm_by_plain_reply(settings, smtp_sink):
    handler, result, _ = handle(settings, sample("subscribe-request.eml"))
    assert (handler, result.outcome) == ("subscribe", "processed")
    pending = _subscriber(settings, "frances.doyle@example.org")
    assert (pending.status, pending.lists, pending.name) == ("pending", ["external"], "Frances Doyle")
    assert subscribers.recipients_of(settings, ["external"]) == []

    confirmation = _send_and_get(settings, smtp_sink)
    assert smtp_sink.messages[-1].rcpt_tos == ["frances.doyle@example.org"]
    reply_to = confirmation["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("bulletin+confirm-") and reply_to.endswith("@example.org")
    assert "simply reply" in confirmation.get_content()
    assert confirmation["In-Reply-To"] == "<0f1e2d3c4b5a@example.org>"  # threaded under the request

    handler, result, _ = handle(
        settings, reply("frances.doyle@example.org", reply_to, "Re: " + confirmation["Subject"])
    )
    assert (handler, result.outcome) == ("confirm", "processed"), result.reason
    active = _subscriber(settings, "frances.doyle@example.org")
    assert active.status == "active" and active.confirmed_via == "email" and active.confirm_message_pk
    assert [s.email for s in subscribers.recipients_of(settings, ["external"])] == ["frances.doyle@example.org"]
    assert [o.recipient for o in _outgoing(settings, "welcome")] == ["frances.doyle@example.org"]

    # The same reply again: the token was used.
    _, again, _ = handle(
        settings, reply("frances.doyle@example.org", reply_to, "Re: again", message_id="<r2@example.org>")
    )
    assert again.outcome == "ignored" and "already used" in again.reason


def test_a_reply_to_a_bulletin_saying_subscribe_is_a_join(settings):
    handler, result, _ = handle(settings, sample("subscribe-reply-to-bulletin.eml"))
    assert (handler, result.outcome) == ("subscribe", "processed")
    assert _subscriber(settings, "m.cole@example.org").status == "pending"


def test_confirmation_from_another_address_is_refused(settings, smtp_sink):
    handle(settings, sample("subscribe-request.eml"))
    reply_to = _send_and_get(settings, smtp_sink)["Reply-To"].addresses[0].addr_spec
    _, result, _ = handle(settings, reply("mallory@example.org", reply_to, "Re: confirm"))
    assert result.outcome == "ignored" and "came from mallory@example.org" in result.reason
    assert _subscriber(settings, "frances.doyle@example.org").status == "pending"


def test_request_naming_another_address_confirms_with_that_address(settings, smtp_sink):
    request = reply(
        "frances.doyle@example.org",
        "mln@example.org",
        "Subscribe",
        "Please add jo.bloggs@example.nhs.test, she leads our carers group.\n",
    )
    handler, result, _ = handle(settings, request)
    assert (handler, result.outcome) == ("subscribe", "processed")
    assert _subscriber(settings, "frances.doyle@example.org") is None
    jo = _subscriber(settings, "jo.bloggs@example.nhs.test")
    assert jo.status == "pending" and jo.requested_by == "frances.doyle@example.org"
    assert [o.recipient for o in _outgoing(settings, "confirm")] == ["jo.bloggs@example.nhs.test"]
    _send_and_get(settings, smtp_sink)
    sent = [email.message_from_bytes(m.data, policy=default) for m in smtp_sink.messages]
    by_to = {m["To"].addresses[0].addr_spec: m for m in sent}
    confirmation = by_to["jo.bloggs@example.nhs.test"]
    assert "Someone (frances.doyle@example.org) asked" in confirmation.get_content()
    assert "For their privacy" in by_to["frances.doyle@example.org"].get_content()  # Frances learns nothing of Jo
    reply_to = confirmation["Reply-To"].addresses[0].addr_spec
    # Frances cannot confirm for Jo; Jo can.
    assert handle(settings, reply("frances.doyle@example.org", reply_to, "Re: x"))[1].outcome == "ignored"
    assert (
        handle(settings, reply("jo.bloggs@example.nhs.test", reply_to, "Re: x", message_id="<r3@x>"))[1].outcome
        == "processed"
    )
    assert _subscriber(settings, "jo.bloggs@example.nhs.test").status == "active"


def test_expired_confirmation_is_refused(settings):
    handle(settings, sample("subscribe-request.eml"))
    with transaction(settings.database.url) as session:
        sub = subscribers.find(session, "frances.doyle@example.org")
        token = subscribers.make_token(settings, "confirm", sub.id)
        outcome = subscribers.confirm(
            session, settings, token, "frances.doyle@example.org", now=utcnow() + dt.timedelta(days=8)
        )
    assert not outcome.done and "expired" in outcome.reason


def test_moderated_join_waits_for_approval(settings, smtp_sink):
    settings = with_lists(settings, approval_required=True)
    handle(settings, sample("subscribe-request.eml"))
    reply_to = _send_and_get(settings, smtp_sink)["Reply-To"].addresses[0].addr_spec
    _, result, _ = handle(settings, reply("frances.doyle@example.org", reply_to, "Re: confirm"))
    assert "waits for approval" in result.reason
    frances = _subscriber(settings, "frances.doyle@example.org")
    assert frances.status == "pending" and frances.awaiting_approval
    with reading(settings.database.url) as reader:
        assert [r["email"] for r in subscribers.list_subscribers(reader, awaiting_approval=True)] == [
            "frances.doyle@example.org"
        ]
    with transaction(settings.database.url) as session:
        subscribers.approve(session, "frances.doyle@example.org")
    assert _subscriber(settings, "frances.doyle@example.org").status == "active"


def test_mass_join_attempts_from_one_sender_are_limited(settings):
    for i in range(7):
        body = f"Please add person{i}@example.org\n"
        handle(settings, reply("spammer@example.org", "mln@example.org", "Subscribe", body, message_id=f"<m{i}@x>"))
    assert len(_outgoing(settings, "confirm")) == settings.lists.joins_per_sender_per_day == 5


def test_second_request_within_a_day_sends_no_second_confirmation(settings):
    handle(settings, sample("subscribe-request.eml"))
    _, result, _ = handle(settings, reply("frances.doyle@example.org", "mln@example.org", "subscribe", "subscribe\n"))
    assert result.outcome == "ignored" and "less than a day ago" in result.reason
    assert len(_outgoing(settings, "confirm")) == 1


def test_automatic_mail_never_gets_a_confirmation(settings):
    raw = reply("frances.doyle@example.org", "mln@example.org", "subscribe", "subscribe\n")
    raw = raw.replace(b"MIME-Version", b"Auto-Submitted: auto-replied\r\nMIME-Version")
    handle(settings, raw)
    assert _outgoing(settings, "confirm") == []


def test_leave_by_request_from_own_address(settings, smtp_sink):
    with transaction(settings.database.url) as session:
        subscribers.add(session, settings, "derek.lund@example.org", "internal", name="Derek Lund")
    handler, result, _ = handle(settings, sample("unsubscribe-request.eml"))
    assert (handler, result.outcome) == ("unsubscribe", "processed")
    # No receiving server vouched for the From (tests/subscribers/test_leave_by_email.py): Derek confirms by replying.
    assert _subscriber(settings, "derek.lund@example.org").status == "active"
    reply_to = _send_and_get(settings, smtp_sink)["Reply-To"].addresses[0].addr_spec
    handler, result, _ = handle(
        settings, reply("derek.lund@example.org", reply_to, "Re: Please confirm", message_id="<r9@x>")
    )
    assert (handler, result.outcome) == ("unsubscribe", "processed")
    derek = _subscriber(settings, "derek.lund@example.org")
    assert derek.status == "unsubscribed" and derek.lists == [] and derek.unsubscribed_via == "email"
    assert [o.recipient for o in _outgoing(settings, "goodbye")] == ["derek.lund@example.org"]
    # A second request changes nothing and sends nothing.
    handle(settings, sample("unsubscribe-request.eml").replace(b"9a8b7c6d5e4f", b"9a8b7c6d5e50"))
    assert len(_outgoing(settings, "goodbye")) == 1


def test_leave_by_list_unsubscribe_mailto(settings):
    with transaction(settings.database.url) as session:
        ann, _ = subscribers.add(session, settings, "ann@example.org", "external")
        headers = subscribers.list_unsubscribe_headers(settings, ann.id)
    mailto = headers["List-Unsubscribe"].strip("<>").removeprefix("mailto:")
    assert "List-Unsubscribe-Post" not in headers  # only with a web base URL
    # Sent by the mail client, possibly from an alias: the token is the proof.
    handler, result, _ = handle(settings, reply("ann.alias@example.org", mailto, "unsubscribe", ""))
    assert (handler, result.outcome) == ("unsubscribe", "processed"), result.reason
    assert _subscriber(settings, "ann@example.org").status == "unsubscribed"


def test_one_click_headers_with_a_web_base_url(settings):
    settings = dataclasses.replace(settings, web=WebSettings(base_url="https://mln.example.org/"))
    with transaction(settings.database.url) as session:
        ann, _ = subscribers.add(session, settings, "ann@example.org", "external")
        headers = subscribers.list_unsubscribe_headers(settings, ann.id)
    assert headers["List-Unsubscribe"].startswith("<https://mln.example.org/unsubscribe/")
    assert "<mailto:bulletin+unsubscribe-" in headers["List-Unsubscribe"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_without_a_token_secret_join_requests_are_held_not_lost(settings):
    import dataclasses

    from pipeline.config import SecuritySettings

    no_secret = dataclasses.replace(settings, security=SecuritySettings())
    handler, result, _ = handle(no_secret, sample("subscribe-request.eml"))
    assert (handler, result.outcome) == ("subscribe", "held")
    assert "MLN_TOKEN_SECRET" in result.reason
    assert _subscriber(settings, "frances.doyle@example.org") is None  # nothing half-done was kept


def test_the_lead_adding_a_pending_address_activates_only_that_list(settings):
    handle(settings, sample("subscribe-request.eml"))  # pending on external, unconfirmed
    with transaction(settings.database.url) as session:
        _, outcome = subscribers.add(session, settings, "frances.doyle@example.org", "internal")
    assert outcome == "updated"
    assert _subscriber(settings, "frances.doyle@example.org").status == "active"
    assert [s.email for s in subscribers.recipients_of(settings, ["internal"])] == ["frances.doyle@example.org"]
    assert subscribers.recipients_of(settings, ["external"]) == []
