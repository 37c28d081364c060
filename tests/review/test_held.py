"""mln held: one list of what waits for a person (held, quarantined, joins), and release / discard / reply."""

from __future__ import annotations

import email
import json
from email.policy import default

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer
from submissions.conftest import Deliver, build_mail

from pipeline.intake import handlers
from pipeline.store import db
from pipeline.store.models import ListMembership, Message, Outgoing, Subscriber


class Exploding:
    """A handler that fails as a bug would: the fault seam that quarantines a message."""

    name = "template_request"
    description = "fails"

    def handle(self, ctx):
        raise RuntimeError("the template file is missing")


@pytest.fixture
def waiting(settings, monkeypatch):
    """One message no rule recognises (held), one whose handler failed (quarantined), one join to approve."""
    deliver = Deliver(settings)
    held_id, _, _ = deliver(build_mail(subject="Hello from Barnsley", body="Are you the right people to ask?"))
    monkeypatch.setitem(handlers.HANDLERS, "template_request", Exploding())
    broken_id, _, _ = deliver(build_mail(subject="Please send me a blank template", body="Thanks."))
    monkeypatch.undo()
    with db.transaction(settings.database.url) as session:
        joiner = Subscriber(email="frances.doyle@example.org", name="Frances Doyle", status="pending")
        joiner.awaiting_approval = True
        joiner.memberships.append(ListMembership(list_name="external", confirmed=True))
        session.add(joiner)
        session.flush()
        join_id = f"J{joiner.id}"
    return {"held": str(held_id), "quarantined": str(broken_id), "join": join_id}


def message(settings, pk):
    with db.transaction(settings.database.url, readonly=True) as session:
        row = session.get(Message, pk)
        session.expunge(row)
        return row


def test_the_list_shows_every_kind_with_its_reason_in_words(mln, waiting):
    result = mln("held", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    assert set(rows) == set(waiting.values())
    assert rows[waiting["held"]]["kind"] == "held"
    assert rows[waiting["held"]]["reason"].startswith("Kept for a person by the inbox rules: no rule recognised")
    assert rows[waiting["quarantined"]]["kind"] == "quarantined"
    assert "RuntimeError: the template file is missing" in rows[waiting["quarantined"]]["reason"]
    assert rows[waiting["join"]]["kind"] == "join" and rows[waiting["join"]]["from"] == "frances.doyle@example.org"

    text = mln("held").stdout
    assert "Hello from Barnsley" in text and "frances.doyle@example.org" in text
    assert f"{waiting['held']}: Kept for a person by the inbox rules" in text
    assert "next: release" in text


def test_release_handles_again_and_approves_a_join(mln, settings, waiting):
    fixed = json.loads(mln("held", "release", waiting["quarantined"], "--json").stdout)
    assert fixed["outcome"] == "processed" and fixed["rule"] == "template-request"

    again = mln("held", "release", waiting["held"])
    assert again.exit_code == 0
    assert again.stdout.startswith(f"{waiting['held']}: still held: Kept for a person")

    joined = mln("held", "release", waiting["join"])
    assert joined.exit_code == 0 and "frances.doyle@example.org approved" in joined.stdout
    with db.transaction(settings.database.url, readonly=True) as session:
        subscriber = session.scalar(select(Subscriber).where(Subscriber.email == "frances.doyle@example.org"))
        assert (subscriber.status, subscriber.awaiting_approval) == ("active", False)

    remaining = [r["id"] for r in json.loads(mln("held", "--json").stdout)]
    assert remaining == [waiting["held"]]
    assert mln("held", "release", waiting["quarantined"]).exit_code == 1


def test_discard_is_recorded_and_leaves_a_mailbox_action_for_after_commit(mln, settings, waiting):
    result = mln("held", "discard", waiting["held"], "--reason", "a sales pitch", "--as", "helen")
    assert result.exit_code == 0 and result.stdout == f"{waiting['held']}: discarded (a sales pitch)\n"
    row = message(settings, int(waiting["held"]))
    assert (row.outcome, row.reason) == ("ignored", "discarded by helen: a sales pitch")
    assert (row.action_done, row.action_target) == (False, settings.mailbox.processed_folder)

    again = mln("held", "discard", waiting["held"], "--reason", "twice")
    assert again.exit_code == 1 and "is ignored" in again.stderr

    declined = json.loads(mln("held", "discard", waiting["join"], "--reason", "not a care address", "--json").stdout)
    assert declined["outcome"] == "declined"
    assert [r["id"] for r in json.loads(mln("held", "--json").stdout)] == [waiting["quarantined"]]


def test_reply_queues_a_short_answer_in_the_thread_and_says_queued(mln, settings, waiting):
    result = mln("held", "reply", waiting["held"], "--template", "not-a-form")
    assert result.exit_code == 0, result.output
    assert "queued" in result.stdout and "alex.example@example.nhs.test" in result.stdout
    with db.transaction(settings.database.url, readonly=True) as session:
        row = session.scalar(select(Outgoing).where(Outgoing.kind == "held_reply").options(undefer(Outgoing.raw)))
        sent = email.message_from_bytes(row.raw, policy=default)
        assert row.status == "queued" and row.source_message_pk == int(waiting["held"])
    assert sent["Subject"] == "Re: Hello from Barnsley"
    assert sent["In-Reply-To"] == message(settings, int(waiting["held"])).message_id
    assert "could not find a completed reporting template" in sent.get_content()

    listed = {r["id"]: r for r in json.loads(mln("held", "--json").stdout)}
    assert listed[waiting["held"]]["replies_queued"] == 1

    own = json.loads(mln("held", "reply", waiting["join"], "--text", "Welcome soon.", "--json").stdout)
    assert own["status"] == "queued" and own["to"] == "frances.doyle@example.org"


@pytest.mark.parametrize(
    "args, says",
    [
        (["release", "X9"], "is not a held item's id"),
        (["release", "99999"], "no message with id 99999"),
        (["reply", "1", "--template", "nonsense"], "no reply template 'nonsense'; known: join-declined"),
        (["reply", "1"], "give either --template NAME or --text TEXT"),
    ],
)
def test_mistakes_are_refused_with_one_line(mln, waiting, args, says):
    result = mln("held", *args)
    assert result.exit_code == 1
    assert says in result.stderr and result.stderr.count("\n") == 1


def test_quarantine_still_works(mln, waiting):
    rows = json.loads(mln("quarantine", "list", "--json").stdout)
    assert [str(r["id"]) for r in rows] == [waiting["quarantined"]]
