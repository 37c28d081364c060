"""Every person gets an answer, in the same pass, when what they sent depends on an earlier message.

Through the real Dovecot and `poll`, one message at a time (tests/messages/step-*.eml): a plan;
a reply to its acknowledgement giving only a partial yes to sharing, which is held for a person,
answered with what we read and asked for YES or NO, and shares nothing; then a bare "did you get my
plan?", answered with where that plan stands. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import email
from email.policy import default
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import undefer

from pipeline.passes import poll_once
from pipeline.store import db
from pipeline.store.models import AuditEvent, Message, Outgoing, Submission

MESSAGES = Path(__file__).parents[1] / "messages"


def _send(intake, name: str, ack: str = "") -> tuple[Message, list[str], list[str]]:
    """Append one sample (with our acknowledgement's Message-ID for @@ACK@@) and poll: its record,
    the text and the Message-ID of each reply."""
    raw = (MESSAGES / name).read_bytes().replace(b"@@ACK@@", ack.strip("<>").encode())
    intake.account.append(raw)
    poll_once(intake.settings)
    msgid = email.message_from_bytes(raw, policy=default)["Message-ID"]
    with db.transaction(intake.settings.database.url, readonly=True) as session:
        message = session.scalars(select(Message).where(Message.message_id == msgid)).one()
        session.expunge(message)
        rows = session.scalars(
            select(Outgoing).where(Outgoing.source_message_pk == message.id).options(undefer(Outgoing.raw))
        )
        replies = [email.message_from_bytes(row.raw, policy=default) for row in rows]
    texts = [" ".join(r.get_body(("plain",)).get_content().split()) for r in replies]
    return message, texts, [r["Message-ID"] for r in replies]


def _plans(intake) -> list[tuple[str, bool | None]]:
    """Kim's plans: (File No, Share externally)."""
    with db.transaction(intake.settings.database.url, readonly=True) as session:
        rows = session.scalars(select(Submission).where(Submission.sender == "kim.shaw@example.org"))
        return [(row.file_no, row.share_externally) for row in rows]


def test_a_partial_yes_and_a_bare_chaser_are_each_answered(intake):
    filed, acks, ack_ids = _send(intake, "step-plan.eml")
    assert filed.outcome == "processed", filed.reason
    assert "we will not share this outside the network: reply YES to allow it" in acks[0]
    ((file_no, shared),) = _plans(intake)
    assert shared is False

    partial, replies, _ = _send(intake, "step-partial-yes.eml", ack=ack_ids[0])
    assert (partial.handler, partial.outcome) == ("share_consent", "held")
    assert "the sender was told" in partial.reason
    (reply,) = replies
    assert 'We read it as: "Yes, but not my email address"' in reply
    assert "reply to this message with YES to share it outside the network" in reply
    assert "or NO to keep it within the network" in reply
    assert _plans(intake) == [(file_no, False)]  # nothing shared on a conditional yes

    chaser, replies, _ = _send(intake, "step-chaser.eml")
    assert (chaser.handler, chaser.outcome) == ("unrecognised", "processed"), chaser.reason
    (reply,) = replies
    assert "Here is where your improvement plans stand" in reply
    assert f'"Peer support for younger people with dementia" was already received as File No {file_no}' in reply
    assert "It is waiting for the communications lead's review." in reply
    assert _plans(intake) == [(file_no, False)]  # the chaser filed nothing new


def test_a_clear_no_is_recorded_as_the_member_s_answer_and_acknowledged(intake):
    filed, _acks, ack_ids = _send(intake, "step-plan.eml")
    ((file_no, _),) = _plans(intake)

    no, replies, _ = _send(intake, "answered/step-no-thanks.eml", ack=ack_ids[0])

    assert (no.handler, no.outcome) == ("share_consent", "processed"), no.reason
    assert f"share externally set to no on {file_no}" in no.reason
    (reply,) = replies
    assert "We will not share this outside the network" in reply and file_no in reply
    assert _plans(intake) == [(file_no, False)]
    with db.transaction(intake.settings.database.url, readonly=True) as session:
        (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "share refusal"))
        assert event.actor == "kim.shaw@example.org" and "please don" in event.detail["said"]


def test_no_then_yes_the_latest_word_stands_and_no_problem_is_not_a_no(intake):
    _filed, _acks, ack_ids = _send(intake, "step-plan.eml")
    ((file_no, _),) = _plans(intake)
    raw = (MESSAGES / "step-partial-yes.eml").read_bytes()
    yes = raw.replace(b"Yes, but not my email address", b"Yes, happy to share").replace(b"step-partial-1", b"step-y")
    intake.account.append(yes.replace(b"@@ACK@@", ack_ids[0].strip("<>").encode()))
    poll_once(intake.settings)
    assert _plans(intake) == [(file_no, True)]

    _send(intake, "answered/step-no-thanks.eml", ack=ack_ids[0])
    assert _plans(intake) == [(file_no, False)]  # withdrawn: their latest answer

    not_a_no, _replies, _ = _send(intake, "answered/step-no-problem.eml", ack=ack_ids[0])
    assert not_a_no.handler != "share_consent"  # "No problem" says nothing about sharing
    assert _plans(intake) == [(file_no, False)]
