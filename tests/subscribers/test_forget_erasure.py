"""`forget` erases an address from the outgoing and incoming logs too, in the same transaction,
while each edition's counts still add up and an edition is never sent twice to one address."""

from __future__ import annotations

import datetime as dt
import json
import zlib

import pytest
from bulletin.records import add_submission
from click.testing import CliRunner
from review.conftest import form_text
from sqlalchemy import func, select, update
from submissions.conftest import Deliver, build_mail
from subscribers.subscriber_helpers import make_settings

from pipeline.cli import cli
from pipeline.compose import build_message, queue_message
from pipeline.mailing.sending import queue_bulletin, send_bulletin
from pipeline.outbound.bulletin.drafts import approve_bulletin, draft_bulletin
from pipeline.outbound.outbox import spool_path, spool_pending
from pipeline.people import subscribers
from pipeline.people.subscribers.erasure import redacted_address
from pipeline.store.db import transaction
from pipeline.store.models import Attachment, AutoReplyCount, Base, Message, Outgoing, utcnow

ANN = "ann.reader@example.nhs.test"
BOB = "bob.reader@example.org"
# Where a forgotten address could hide; plans (submissions, items, their audit trail) are the
# members' records and are kept, with the one message that carried them.
ERASED_FROM = (
    "outgoing",
    "messages",
    "attachments",
    "subscribers",
    "list_memberships",
    "consent_records",
    "bounces",
    "complaints",
    "auto_reply_counts",
    "suppressions",
)


@pytest.fixture
def settings(db_url, tmp_path, smtp_sink):
    return make_settings(db_url, tmp_path, smtp_sink.url())


def _edition_sent_to(settings, *people) -> int:
    with transaction(settings.database.url) as session:
        for address in people:
            subscribers.add(session, settings, address, "external", name=address.split(".")[0].title())
    add_submission(
        settings.database.url, "Falls prevention in care homes", dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    )
    bulletin_id = draft_bulletin(settings)["id"]
    approve_bulletin(settings, bulletin_id, by="test")
    assert send_bulletin(settings, bulletin_id, "external", flush=True).sent == len(people)
    return bulletin_id


def _their_mail(settings) -> dict[str, int]:
    """Ann writes in (a question, held, with a file; and a plan); the answers to both wait in the outbox."""
    deliver = Deliver(settings)
    question, _, _ = deliver(build_mail(subject="A question from Ann", body=f"Reply to {ANN} please.", sender=ANN))
    plan, _, result = deliver(build_mail(body=form_text(**{"Key theme": "1"}), sender=ANN), handler="submission")
    assert result.outcome == "processed"
    with transaction(settings.database.url) as session:
        row = session.get(Message, question)
        row.attachments.append(Attachment(filename="ann.txt", data=f"from {ANN}".encode()))
        answer = build_message(settings, ANN, "Re: A question from Ann", "Dear Ann, thanks.")
        queue_message(session, settings, answer, kind="held_reply", source=row)
    assert spool_pending(settings) >= 1
    return {"question": question, "plan": plan}


def _counts(settings) -> list[tuple]:
    with transaction(settings.database.url, readonly=True) as session:
        query = select(Outgoing.bulletin_id, Outgoing.kind, Outgoing.status, func.count()).group_by(
            Outgoing.bulletin_id, Outgoing.kind, Outgoing.status
        )
        return sorted((tuple(r) for r in session.execute(query)), key=lambda r: (r[0] or 0, r[1], r[2]))


def _traces(settings, address: str, kept_message: int) -> list[str]:
    """Every place in ERASED_FROM where `address` still appears, in text or in (compressed) bytes."""
    found = []
    needle = address.encode()
    with transaction(settings.database.url, readonly=True) as session:
        for table in (t for t in Base.metadata.sorted_tables if t.name in ERASED_FROM):
            for row in session.execute(select(table)).mappings():
                if kept_message in (row.get("message_pk"), row.get("id") if table.name == "messages" else None):
                    continue
                for column, value in row.items():
                    if isinstance(value, bytes) and value[:1] == b"x":  # zlib: raw_compressed, data_compressed
                        value = zlib.decompress(value)
                    if (isinstance(value, str) and address in value.lower()) or (
                        isinstance(value, bytes) and needle in value.lower()
                    ):
                        found.append(f"{table.name}.{column}")
    return found


def test_forget_leaves_no_address_behind_and_the_counts_add_up(settings):
    edition = _edition_sent_to(settings, ANN, BOB)
    mail = _their_mail(settings)
    before = _counts(settings)
    with transaction(settings.database.url, readonly=True) as session:
        spooled = session.scalar(select(Outgoing.spool_name).where(Outgoing.kind == "held_reply"))
    assert spool_path(settings, spooled).exists()
    assert {"outgoing.recipient", "outgoing.raw", "messages.raw_compressed", "attachments.data_compressed"} <= set(
        _traces(settings, ANN, kept_message=mail["plan"])
    )

    erased = subscribers.forget_everywhere(settings, ANN)

    # Her copy of the edition; the automatic reply, the plan's acknowledgement and the person's answer, all unsent.
    assert erased["outgoing_redacted"] == 4 and erased["outgoing_cancelled"] == 3
    assert erased["messages_erased"] == 1 and erased["messages_kept_for_plans"] == 1
    assert _traces(settings, ANN, kept_message=mail["plan"]) == []
    assert not spool_path(settings, spooled).exists()
    after = _counts(settings)
    assert (edition, "bulletin", "sent", 2) in after and after == [
        (b, k, "cancelled" if s == "queued" else s, n) for b, k, s, n in before
    ]
    with transaction(settings.database.url, readonly=True) as session:
        copies = dict(
            session.execute(select(Outgoing.recipient, Outgoing.status).where(Outgoing.bulletin_id == edition)).all()
        )
        assert copies == {BOB: "sent", redacted_address(ANN): "sent"}
        question = session.get(Message, mail["question"])
        assert (question.from_addr, question.raw, question.attachments) == (redacted_address(ANN), b"", [])
        assert question.outcome == "ignored" and question.message_id  # known again if met in the mailbox
        assert session.get(Message, mail["plan"]).raw  # the plan's own record stays
        assert session.scalar(select(func.count()).select_from(AutoReplyCount)) == 0


def test_a_forgotten_address_that_rejoins_never_gets_an_edition_twice(settings, smtp_sink):
    edition = _edition_sent_to(settings, ANN, BOB)
    subscribers.forget_everywhere(settings, ANN)
    with transaction(settings.database.url) as session:  # they come back days later, and confirm
        session.execute(update(Outgoing).values(created_at=utcnow() - dt.timedelta(days=3)))
        joined = subscribers.request_join(session, settings, ANN, "external")
        token = subscribers.make_token(settings, "confirm", joined.subscriber.id)
    with transaction(settings.database.url) as session:
        assert subscribers.confirm(session, settings, token, ANN).done
    with transaction(settings.database.url) as session:
        subscribers.add(session, settings, "cara.new@example.org", "external")
    received = len(smtp_sink.messages)

    again = send_bulletin(settings, edition, "external", flush=True)

    assert again.queued == {"external": 1}  # Cara only
    copies = [m for m in smtp_sink.messages[received:] if "bounce-" in m.mail_from]
    assert [r for m in copies for r in m.rcpt_tos] == ["cara.new@example.org"]
    assert queue_bulletin(settings, edition, "external").queued == {}


def test_the_cli_says_what_was_erased(settings, tmp_path):
    _edition_sent_to(settings, ANN)
    config = tmp_path / "mln.toml"
    config.write_text(f'[database]\nurl = "{settings.database.url}"\n', encoding="utf-8")

    result = CliRunner().invoke(cli, ["--config", str(config), "subscribers", "forget", ANN, "--yes", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "address_sha256": redacted_address(ANN).removeprefix("forgotten:"),
        "subscriber": True,
        "outgoing_redacted": 1,
        "outgoing_cancelled": 0,
        "messages_erased": 0,
        "messages_kept_for_plans": 0,
    }
    text = CliRunner().invoke(cli, ["--config", str(config), "subscribers", "forget", ANN, "--yes"]).output
    assert text.startswith(f"forgotten: {ANN}\n    0 mail(s) to them kept without the address")
