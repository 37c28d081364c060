"""No person's message is held or ignored without a reply in the same pass (issue #19 item 3).

Through the real Dovecot and `poll_once`, one message at a time (tests/messages/answered/):
list requests with nothing to do, a message over the size limit, and messages that are
quarantined because they could not be parsed or their handler failed. What is said about
an address goes only to that address; automatic mail is never answered. SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import email
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

from pipeline.intake import handlers, prepare
from pipeline.passes import poll_once
from pipeline.people.subscribers import registry
from pipeline.store import db
from pipeline.store.models import Message, Outgoing, Subscriber

ANSWERED = Path(__file__).parents[1] / "messages" / "answered"
PAT = "pat.lee@example.org"


@pytest.fixture
def lists(intake):
    intake.environ["MLN_TOKEN_SECRET"] = "test-secret-0123456789abcdef"
    return intake


def _raw(name: str, **swap: str) -> bytes:
    raw = (ANSWERED / name).read_bytes()
    for old, new in swap.items():
        raw = raw.replace(old.encode(), new.encode())
    return raw


def _poll(intake, raw: bytes) -> tuple[Message, list[email.message.EmailMessage]]:
    """Append one message and poll: its record, and every message we queued because of it."""
    intake.account.append(raw)
    poll_once(intake.settings)
    with db.transaction(intake.settings.database.url, readonly=True) as session:
        # The newest row: one message per poll, and an unparseable one has no Message-ID recorded.
        message = session.scalars(select(Message).order_by(Message.id.desc()).limit(1)).one()
        session.expunge(message)
        rows = session.scalars(
            select(Outgoing)
            .where(Outgoing.source_message_pk == message.id)
            .options(undefer(Outgoing.raw))
            .order_by(Outgoing.id)
        )
        return message, [email.message_from_bytes(row.raw, policy=default) for row in rows]


def _text(msg: email.message.EmailMessage) -> str:
    return " ".join(msg.get_body(("plain",)).get_content().split())


def _to(msg: email.message.EmailMessage) -> str:
    return msg["To"].addresses[0].addr_spec


def _subscriber(intake, status: str, lists: tuple[str, ...] = ("external",)) -> None:
    with db.transaction(intake.settings.database.url) as session:
        person = Subscriber(email=PAT, name="Pat Lee", status=status, joined_via="cli")
        session.add(person)
        for name in lists:
            registry.add_membership(person, name, confirmed=True)


# ---- leaving ----------------------------------------------------------------------------------


def test_a_leave_request_from_a_stranger_to_the_list_is_answered_about_their_own_address(lists):
    record, (reply,) = _poll(lists, _raw("list-leave-not-subscribed.eml"))

    assert (record.handler, record.outcome) == ("unsubscribe", "ignored")
    assert "not a subscriber" in record.reason and "the sender was told" in record.reason
    assert _to(reply) == PAT and reply["Auto-Submitted"] == "auto-replied"
    text = _text(reply)
    assert f"{PAT} is not on the MLN Bulletin's mailing list" in text
    assert "look at the To: line of a bulletin you received" in text

    again, replies = _poll(lists, _raw("list-leave-not-subscribed.eml", **{"leave-pat-1": "leave-pat-2"}))
    assert replies == [] and "already told today" in again.reason  # a forged From cannot make us write daily


def test_a_leave_request_after_leaving_says_so(lists):
    _subscriber(lists, "unsubscribed")

    record, (reply,) = _poll(lists, _raw("list-leave-not-subscribed.eml"))

    assert "had already left" in record.reason and "the sender was told" in record.reason
    assert f"{PAT} has already left the MLN Bulletin" in _text(reply)


# ---- joining ----------------------------------------------------------------------------------


def test_asking_to_join_when_already_on_the_list(lists):
    _subscriber(lists, "active")

    record, (reply,) = _poll(lists, _raw("list-join-self.eml"))

    assert (record.handler, record.outcome) == ("subscribe", "ignored")
    assert f"{PAT} is already on the MLN Bulletin's external list" in _text(reply)


def test_asking_again_within_a_day_points_to_the_first_confirmation_and_sends_no_second(lists):
    first, (confirmation,) = _poll(lists, _raw("list-join-self.eml"))
    assert first.outcome == "processed" and confirmation["Reply-To"].addresses[0].addr_spec.startswith(
        "bulletin+confirm-"
    )

    again, (reply,) = _poll(lists, _raw("list-join-self.eml", **{"join-pat-1": "join-pat-2"}))

    assert "less than a day ago" in again.reason and "the sender was told" in again.reason
    assert _to(reply) == PAT and "+confirm-" not in str(reply["Reply-To"])
    text = _text(reply)
    assert f"We sent a message to {PAT} at " in text and "Please reply to that message" in text

    third, replies = _poll(lists, _raw("list-join-self.eml", **{"join-pat-1": "join-pat-3"}))
    assert replies == [] and "already told today" in third.reason


def test_asking_for_a_colleague_tells_the_asker_nothing_about_the_colleague(lists):
    """The same note whether or not the colleague is on the list; the colleague gets one confirmation a day."""
    first, sent = _poll(lists, _raw("list-join-for-colleague.eml"))
    confirmation, note = sorted(sent, key=_to)
    assert (_to(confirmation), _to(note)) == ("jo.bloggs@example.nhs.uk", PAT)
    assert "For their privacy we do not say whether an address is on the list" in _text(note)

    again, sent = _poll(
        lists, _raw("list-join-for-colleague.eml", **{"join-for-jo-1": "join-for-jo-2", PAT: "sam.ray@example.org"})
    )
    (note,) = sent  # no second confirmation to Jo
    assert _to(note) == "sam.ray@example.org" and "For their privacy" in _text(note)
    assert "less than a day ago" in again.reason


def test_an_address_that_is_not_one_is_explained(lists):
    record, (reply,) = _poll(lists, _raw("list-join-typo.eml"))

    assert record.outcome == "held" and "is not an email address" in record.reason
    assert _to(reply) == PAT
    assert 'We could not read "jo.bloggs@nhs-.net" as an email address' in _text(reply)


# ---- too big, unparseable, a handler that fails ---------------------------------------------


def test_a_message_over_the_size_limit_gets_a_reply_naming_the_limit(intake):
    intake.environ["MLN_LIMITS_MAX_MESSAGE_BYTES"] = "50000"
    pictures = base64.encodebytes(bytes(range(256)) * 800).decode()

    record, (reply,) = _poll(intake, _raw("oversize-word-form.eml", **{"@@PICTURES@@": pictures}))

    assert record.outcome == "held" and "only its headers were stored; the sender was told" in record.reason
    assert _to(reply) == "kim.shaw@example.org" and reply["In-Reply-To"] == "<oversize-1@mail.example.org>"
    text = _text(reply)
    assert "It is 274 KB, which is over our limit of 49 KB" in text
    assert "the Word form without pictures" in text


def test_a_message_that_cannot_be_parsed_is_answered_from_its_headers(intake, monkeypatch):
    def broken(raw: bytes):
        raise ValueError("a parser bug")

    monkeypatch.setattr(prepare, "parse_mail", broken)
    record, (reply,) = _poll(intake, _raw("hard-to-process.eml"))

    assert record.outcome == "quarantined" and "could not be parsed" in record.reason
    assert "the sender was told" in record.reason
    assert _to(reply) == "kim.shaw@example.org"
    text = _text(reply)
    assert 'We received your message "Our plan, see below", but could not process it' in text
    assert "The communications lead has been told" in text

    automatic, replies = _poll(intake, _raw("hard-to-process-automatic.eml"))
    assert automatic.outcome == "quarantined" and replies == []


def test_a_failing_handler_quarantines_and_answers_within_the_daily_limit(intake, monkeypatch):
    class Exploding:
        name = "unrecognised"
        description = "fails, as a bug would"

        def handle(self, ctx):
            raise RuntimeError("boom")

    monkeypatch.setitem(handlers.HANDLERS, "unrecognised", Exploding())
    monkeypatch.setitem(handlers.HANDLERS, "ignore", Exploding())  # what automatic mail goes to
    intake.environ["MLN_LIMITS_AUTO_REPLIES_PER_DAY"] = "1"

    first, (reply,) = _poll(intake, _raw("hard-to-process.eml"))
    assert first.outcome == "quarantined" and "RuntimeError: boom" in first.error
    assert "could not process it" in _text(reply)

    second, replies = _poll(intake, _raw("hard-to-process.eml", **{"hard-1@": "hard-2@"}))
    assert second.outcome == "quarantined" and replies == []
    assert "no reply sent (automatic mail or daily limit)" in second.reason

    automatic, replies = _poll(intake, _raw("hard-to-process-automatic.eml"))
    assert automatic.outcome == "quarantined" and replies == []
