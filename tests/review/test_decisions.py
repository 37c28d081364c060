"""approve / reject / request-changes / history through the CLI; two reviewers at once; SQLite and PostgreSQL."""

from __future__ import annotations

import email
import json
import threading
from email.policy import default

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

from pipeline import review
from pipeline.errors import WrongState
from pipeline.review.actions import approve_one
from pipeline.store import db
from pipeline.store.models import AuditEvent, Outgoing, Submission


def outgoing(settings, kind):
    with db.transaction(settings.database.url, readonly=True) as session:
        query = select(Outgoing).where(Outgoing.kind == kind).options(undefer(Outgoing.raw)).order_by(Outgoing.id)
        return [email.message_from_bytes(row.raw, policy=default) for row in session.scalars(query)]


def status_of(settings, submission_id):
    with db.transaction(settings.database.url, readonly=True) as session:
        return session.get(Submission, submission_id).status


def test_approve_records_who_and_when_and_a_second_approve_says_so(mln, submit, settings):
    sub = submit()
    result = mln("approve", str(sub), "--as", "comms-lead")
    assert result.exit_code == 0 and result.stdout.startswith(f"approved {sub} CH-")
    again = mln("approve", str(sub))
    assert again.exit_code == 1
    assert again.stderr.startswith(f"mln: submission {sub} is already approved by comms-lead at 20")
    assert again.stderr.count("\n") == 1
    events = json.loads(mln("history", str(sub), "--json").stdout)
    assert [(e["action"], e["actor"]) for e in events] == [
        ("received", "angela.example@example.nhs.test"),
        ("approve", "comms-lead"),
    ]
    assert json.loads(mln("queue", "--json").stdout) == []
    (row,) = json.loads(mln("queue", "--json", "--status", "approved").stdout)
    assert row["id"] == sub


def test_the_default_actor_is_the_os_user(mln, submit, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "jo-at-the-terminal")
    sub = submit()
    assert mln("approve", str(sub)).exit_code == 0
    assert json.loads(mln("history", str(sub), "--json").stdout)[-1]["actor"] == "jo-at-the-terminal"


def test_approving_several_is_all_or_nothing(mln, submit, settings):
    good = submit()
    rejected = submit(title="Something else")
    assert mln("reject", str(rejected), "--reason", "Duplicate").exit_code == 0
    result = mln("approve", str(good), str(rejected))
    assert result.exit_code == 1 and f"submission {rejected} is already rejected by" in result.stderr
    assert status_of(settings, good) == "pending"  # nothing half-done
    both = mln("approve", "--json", str(submit()), str(good), str(good))
    assert both.exit_code == 0 and [r["id"] for r in json.loads(both.stdout)][1] == good  # given order, each once
    good = submit(title="Another")
    missing = mln("approve", str(good), "12345")
    assert missing.exit_code == 1 and "no submission with id 12345" in missing.stderr
    assert status_of(settings, good) == "pending"


def test_a_form_without_a_theme_cannot_be_approved_until_edited(mln, submit):
    sub = submit(theme="Gardening")
    result = mln("approve", str(sub))
    assert result.exit_code == 1 and "has no File No" in result.stderr and f"mln edit {sub} theme=" in result.stderr


def test_reject_with_notify_emails_the_reason_in_the_same_thread(mln, submit, settings):
    sub = submit(sender="member@example.nhs.test")
    assert mln("reject", str(sub), "--reason", "").exit_code == 1
    result = mln(
        "reject", str(sub), "--reason", "This is a duplicate of CH-2026-001.", "--notify", "--as", "comms-lead"
    )
    assert result.exit_code == 0 and "queued in the outbox for member@example.nhs.test" in result.stdout
    (mail,) = outgoing(settings, "reject")
    assert mail["To"].addresses[0].addr_spec == "member@example.nhs.test"
    assert mail["In-Reply-To"] and "This is a duplicate of CH-2026-001." in mail.get_body(("plain",)).get_content()
    assert status_of(settings, sub) == "rejected"
    (event,) = [e for e in json.loads(mln("history", str(sub), "--json").stdout) if e["action"] == "reject"]
    assert event["detail"]["reason"] == "This is a duplicate of CH-2026-001." and event["actor"] == "comms-lead"
    assert mln("reject", str(sub), "--reason", "again").exit_code == 1
    assert mln("reject", str(submit()), "--reason", "Not in scope").exit_code == 0
    assert len(outgoing(settings, "reject")) == 1  # without --notify nobody is emailed


def test_request_changes_emails_the_message_and_the_current_problems(mln, submit, settings):
    sub = submit(sender="member@example.nhs.test", learning=None, Link="our intranet")
    result = mln("request-changes", str(sub), "--message", "Please add what you learned.", "--as", "comms-lead")
    assert result.exit_code == 0, result.output
    assert status_of(settings, sub) == "needs_changes"
    (mail,) = outgoing(settings, "request_changes")
    text = mail.get_body(("plain",)).get_content()
    assert mail["To"].addresses[0].addr_spec == "member@example.nhs.test"
    assert "Please add what you learned." in text and "Link 'our intranet' is not a web address" in text
    assert "replying to this email, keeping CH-" in text
    assert mail["In-Reply-To"]  # the member's reply comes back in the same thread
    assert mln("request-changes", str(sub), "--message", "").exit_code == 1
    assert mln("approve", str(sub)).exit_code == 0  # the lead may still approve it as it stands


def test_request_changes_on_an_approved_item_is_the_wrong_state(mln, submit):
    sub = submit()
    mln("approve", str(sub), "--as", "comms-lead")
    result = mln("request-changes", str(sub), "--message", "More detail please")
    assert result.exit_code == 1 and "already approved by comms-lead" in result.stderr


def test_two_reviewers_at_once_cannot_both_win(submit, settings):
    """The first holds the row lock in an open transaction; the second waits, then sees the first's decision."""
    sub = submit()
    outcome: dict[str, object] = {}

    def second() -> None:
        try:
            review.approve(settings, [sub], "second-terminal")
            outcome["result"] = "approved"
        except WrongState as exc:
            outcome["result"] = str(exc)

    with db.transaction(settings.database.url) as session:
        approve_one(session, sub, "first-terminal")
        thread = threading.Thread(target=second)
        thread.start()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the second approval did not wait for the first's row lock"
    thread.join(timeout=60)
    assert str(outcome["result"]).startswith(f"submission {sub} is already approved by first-terminal at ")
    with db.transaction(settings.database.url, readonly=True) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.submission_id == sub)).all()
        assert [(e.action, e.actor) for e in events] == [("approve", "first-terminal")]


def test_history_of_unknown_id(mln):
    result = mln("history", "77")
    assert result.exit_code == 1 and result.stderr.startswith("mln: no submission with id 77")


@pytest.mark.parametrize("command", [["approve"], ["reject", "1"], ["request-changes", "1"], ["edit", "1"]])
def test_missing_arguments_are_usage_errors(mln, command):
    assert mln(*command).exit_code == 2
