"""mln held: one list of what waits for a person (held, quarantined, joins), and release / discard / reply."""

from __future__ import annotations

import email
import json
from email.policy import default

import pytest
from fixtures.samples import numbered_message, sample
from intake.conftest import Intake
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
    assert result.exit_code == 0
    assert (
        result.stdout == f"{waiting['held']}: discarded (a sales pitch); moved by the next `mln poll` of test INBOX\n"
    )
    row = message(settings, int(waiting["held"]))
    assert (row.outcome, row.reason) == ("ignored", "discarded by helen: a sales pitch")
    assert (row.action_done, row.action_target) == (False, "Processed/Discarded")

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


# -- against a real Dovecot: a decided message leaves Held only after the decision's commit --------


@pytest.fixture
def box(imap_account, db_url, tmp_path) -> Intake:
    """`mln` as a subprocess against a fresh Dovecot user and database."""
    return Intake.create(imap_account, db_url, tmp_path, "timeout = 10\n")


def held_in(box: Intake, raws: list[bytes]) -> list[int]:
    """Deliver and poll: the ids of the messages, each now in Held."""
    box.account.append_many(raws)
    box.poll_json()
    rows = box.recorded()
    assert [r.outcome for r in rows] == ["held"] * len(raws) and len(box.account.uids("Held")) == len(raws)
    return [r.id for r in rows]


def subjects(box: Intake, folder: str) -> list[str]:
    with box.account.client() as client:
        client.select_folder(folder, readonly=True)
        found = client.fetch(client.search("ALL"), ["BODY.PEEK[HEADER]"]).values()
        return sorted(email.message_from_bytes(m[b"BODY[HEADER]"], policy=default)["Subject"] for m in found)


def test_discard_moves_the_message_out_of_held_after_commit(box):
    [pk] = held_in(box, [numbered_message(1)])

    result = box.run("held", "discard", str(pk), "--reason", "spam", "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["mailbox"] == "moved to Processed/Discarded"
    assert box.account.uids("Held") == [] and len(box.account.uids("Processed/Discarded")) == 1
    [row] = box.recorded()
    assert (row.outcome, row.action_done, row.action_target) == ("ignored", True, "Processed/Discarded")
    assert box.poll_json()["finished_from_last_time"] == 0
    assert len(box.account.uids("Processed/Discarded")) == 1


def test_a_discard_the_mailbox_did_not_answer_is_moved_by_the_next_poll_even_with_a_new_uid(box):
    [pk] = held_in(box, [numbered_message(2)])
    _rebuild(box, "Held")  # same message, new UID: the move must not rely on one

    result = box.run("held", "discard", str(pk), "--reason", "spam", extra_env={"TEST_IMAP_PASSWORD": "wrong"})

    assert result.returncode == 0, result.stderr
    assert "discarded (spam); moved by the next `mln poll` (the mailbox did not answer" in result.stdout
    assert len(box.account.uids("Held")) == 1 and box.recorded()[0].action_done is False
    assert box.poll_json()["finished_from_last_time"] == 1
    assert box.account.uids("Held") == [] and len(box.account.uids("Processed/Discarded")) == 1
    assert box.recorded()[0].action_done is True


def test_a_crash_after_the_move_before_it_was_marked_done_moves_nothing_twice(box):
    [pk] = held_in(box, [numbered_message(3)])
    box.run("held", "discard", str(pk), "--reason", "spam", extra_env={"TEST_IMAP_PASSWORD": "wrong"})
    with box.account.client() as client:  # the move happened; the process died before recording it
        client.create_folder("Processed/Discarded")
        client.select_folder("Held")
        client.move(client.search("ALL"), "Processed/Discarded")

    assert box.poll_json()["finished_from_last_time"] == 1

    assert box.account.uids("Held") == [] and len(box.account.uids("Processed/Discarded")) == 1
    assert box.recorded()[0].action_done is True


def test_only_the_discarded_one_of_two_with_the_same_message_id_and_size_moves(box):
    twins = [numbered_message(4, subject=f"Note {letter}") for letter in "AB"]
    first, second = held_in(box, twins)

    assert box.run("held", "discard", str(second), "--reason", "spam").returncode == 0

    assert subjects(box, "Held") == ["Note A 4"] and subjects(box, "Processed/Discarded") == ["Note B 4"]


def test_a_released_message_ends_where_its_rule_files_it(box):
    [pk] = held_in(box, [sample("subscribe-request.eml")])  # no token secret yet: the join is kept
    assert "join request kept" in box.recorded()[0].reason

    result = box.run("held", "release", str(pk), "--json", extra_env={"MLN_TOKEN_SECRET": "s" * 32})

    assert result.returncode == 0, result.stderr
    released = json.loads(result.stdout)
    assert (released["outcome"], released["mailbox"]) == ("processed", "moved to Processed/Lists")
    assert box.account.uids("Held") == [] and len(box.account.uids("Processed/Lists")) == 1


def test_a_message_released_but_still_held_stays_in_held(box):
    [pk] = held_in(box, [numbered_message(5)])

    assert box.run("held", "release", str(pk)).stdout.startswith(f"{pk}: still held")

    assert len(box.account.uids("Held")) == 1 and box.recorded()[0].action_done is True


def _rebuild(box: Intake, folder: str) -> None:
    with box.account.client() as client:
        client.select_folder(folder)
        raws = [data[b"BODY[]"] for data in client.fetch(client.search("ALL"), ["BODY.PEEK[]"]).values()]
        client.delete_messages(client.search("ALL"))
        client.expunge()
        for raw in raws:
            client.append(folder, raw)
