"""One plan, one File No: each scenario of tests/messages/one_plan/ through the real Dovecot and `poll`.

Every row of the manifest is one message, appended to the mailbox and polled in order;
the row says what must come of it (a new plan, a repeat recorded against an earlier
step's plan, its next revision, a replacement of the copy that needed changes, or a
possible duplicate) and what the answer must and must not say. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import email
import importlib.util
import json
import tomllib
from email.policy import default
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import undefer

from pipeline.passes import poll_once
from pipeline.review import show_submission
from pipeline.store import db
from pipeline.store.models import AuditEvent, Message, Outgoing, Submission

HERE = Path(__file__).resolve().parents[1] / "messages" / "one_plan"
CASES = tomllib.loads((HERE / "manifest.toml").read_text())["case"]
SCENARIOS = sorted({c["scenario"] for c in CASES})


def _loose(file_no: str) -> str:
    """'WO-2026-001' as a member might type it: 'wo 2026 001.'"""
    return file_no.lower().replace("-", " ") + "."


class Run:
    """One scenario's steps: what each step's message became."""

    def __init__(self, intake) -> None:
        self.intake = intake
        self.settings = intake.settings
        self.file_nos: dict[int, str] = {}
        self.acks: dict[int, str] = {}
        self.items: dict[int, int] = {}
        self.submissions: dict[int, int] = {}

    def fill(self, text: str) -> str:
        for step, file_no in self.file_nos.items():
            text = text.replace(f"@@FILE_NO:{step}@@", file_no).replace(f"@@LOOSE:{step}@@", _loose(file_no))
        for step, ack in self.acks.items():
            text = text.replace(f"@@ACK:{step}@@", ack)
        return text

    def send(self, row: dict) -> tuple[Message, list[Submission], list[AuditEvent], list[Outgoing]]:
        raw = self.fill((HERE / row["file"]).read_bytes().decode("utf-8")).encode("utf-8")
        self.intake.account.append(raw)
        poll_once(self.settings)
        msgid = email.message_from_bytes(raw, policy=default)["Message-ID"]
        with db.transaction(self.settings.database.url, readonly=True) as session:
            message = session.scalars(select(Message).where(Message.message_id == msgid)).one()
            subs = list(session.scalars(select(Submission).where(Submission.message_pk == message.id)))
            for s in subs:
                s.item  # noqa: B018 - loaded while the session is open
            events = [
                e for e in session.scalars(select(AuditEvent)) if (e.detail or {}).get("message_pk") == message.id
            ]
            replies = list(
                session.scalars(
                    select(Outgoing).where(Outgoing.source_message_pk == message.id).options(undefer(Outgoing.raw))
                )
            )
            return message, subs, events, replies


def _text(outgoing: Outgoing) -> str:
    msg = email.message_from_bytes(outgoing.raw, policy=default)
    return " ".join(msg.get_body(("plain",)).get_content().split())


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_one_plan_one_file_no(intake, scenario):
    run = Run(intake)
    for row in [c for c in CASES if c["scenario"] == scenario]:
        step, outcome = row["step"], row["outcome"]
        message, subs, events, replies = run.send(row)
        why = f"{row['file']}: {message.outcome} {message.reason}"
        assert message.outcome == "processed", why
        if outcome == "repeat":
            assert subs == [], why
            (event,) = [e for e in events if e.action == "repeat"]
            with db.transaction(run.settings.database.url, readonly=True) as session:
                assert session.get(Submission, event.submission_id).item_id == run.items[row["same_as"]], why
            sub = None
        else:
            (sub,) = subs
        if outcome == "new":
            assert sub.item_id not in run.items.values() and not sub.is_update, why
            assert sub.possible_duplicate_of_id is None, why
        elif outcome == "revision":
            assert (sub.item_id, sub.is_update) == (run.items[row["same_as"]], True), why
            assert sub.revision > 1, why
        elif outcome == "replaced":
            assert sub.id == run.submissions[row["same_as"]], why
            assert any(e.action == "resent" for e in _events_of(run, sub.id)), why
        elif outcome == "possible_duplicate":
            assert sub.item_id != run.items[row["same_as"]], why
            assert sub.possible_duplicate_of_id == run.items[row["same_as"]] and sub.duplicate_reason, why
        if sub is not None:
            run.items.setdefault(step, sub.item_id)
            run.submissions.setdefault(step, sub.id)
            run.file_nos.setdefault(step, sub.item.file_no if sub.item else "")
            for key, value in row.get("fields", {}).items():
                assert getattr(sub, key) == value, f"{why}: {key}"
        else:
            run.file_nos[step] = run.file_nos[row["same_as"]]
        assert replies, why
        run.acks[step] = replies[0].message_id
        assert sorted(r.recipient for r in replies) == sorted(row.get("replies_to", [message.from_addr])), why
        text = " ".join(_text(r) for r in replies)
        for words in row.get("reply_has", []):
            assert run.fill(words) in text, f"{why}: {words!r} not in {text!r}"
        for words in row.get("reply_lacks", []):
            assert words not in text, f"{why}: {words!r} in the reply"
        if row.get("changed") or row.get("emptied"):
            shown = show_submission(run.settings, sub.id)["changes"]
            assert {c["field"] for c in shown["fields"]} >= set(row.get("changed", [])), why
            assert shown["emptied"] == row.get("emptied", []), why
        if row.get("then"):
            _settle(run, row, sub)
    _no_stale_copies(run)


def _events_of(run: Run, submission_id: int) -> list[AuditEvent]:
    with db.transaction(run.settings.database.url, readonly=True) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.submission_id == submission_id)))


def _settle(run: Run, row: dict, sub: Submission) -> None:
    """The reviewer's command, through `mln` in a subprocess, as a person would run it."""
    target = run.file_nos[row["same_as"]]
    if row["then"] == "merge":
        result = run.intake.run("merge", str(sub.id), "--into", _loose(target), "--as", "Comms lead", "--json")
        assert result.returncode == 0, result.stderr
        merged = json.loads(result.stdout)
        assert (merged["file_no"], merged["was"]) == (target, sub.item.file_no)
        detail = show_submission(run.settings, sub.id)
        assert detail["file_no"] == target and detail["possible_duplicate_of"] == ""
        # The File No it had now leads to the plan it was merged into.
        again = run.intake.run("merge", str(sub.id), "--into", sub.item.file_no)
        assert again.returncode == 1 and f"already part of {target}" in again.stderr
    else:
        result = run.intake.run("keep-separate", str(sub.id), "--reason", "another town", "--json")
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["was_possible_duplicate_of"] == target
        assert show_submission(run.settings, sub.id)["possible_duplicate_of"] == ""
        again = run.intake.run("keep-separate", str(sub.id))
        assert again.returncode == 1 and "not marked as a possible duplicate" in again.stderr


def _no_stale_copies(run: Run) -> None:
    """No plan keeps a needs-changes copy beside a later one, and repeats added no rows."""
    with db.transaction(run.settings.database.url, readonly=True) as session:
        subs = list(session.scalars(select(Submission)))
    by_item: dict[int, list[Submission]] = {}
    for s in subs:
        if s.item_id is not None:
            by_item.setdefault(s.item_id, []).append(s)
    for rows in by_item.values():
        latest = max(r.revision or 0 for r in rows)
        assert all(r.status != "needs_changes" or r.revision == latest for r in rows)


def test_one_plan_sent_four_ways_in_one_group_gets_one_file_no(intake):
    """Fetched together and handled in one transaction (the group path): the same answer as one by one."""
    names = ["forward-attached-1.eml", "same-docx-1.eml", "forward-inline-1.eml", "same-docx-2.eml"]
    intake.account.append_many([(HERE / name).read_bytes() for name in names])
    summary = poll_once(intake.settings)
    assert summary.outcomes["processed"] == 4
    with db.transaction(intake.settings.database.url, readonly=True) as session:
        (sub,) = session.scalars(select(Submission))
        assert (sub.sender, sub.forwarded_by, sub.revision) == (
            "helen.okafor@example.nhs.test",
            "anne.foster@example.nhs.test",
            1,
        )
        repeats = [e for e in session.scalars(select(AuditEvent)) if e.action == "repeat"]
        assert len(repeats) == 3 and {e.submission_id for e in repeats} == {sub.id}
    row = next(r for r in json.loads(intake.run("queue", "--json").stdout) if r["id"] == sub.id)
    assert (row["repeats"], row["forwarded_by"]) == (3, "anne.foster@example.nhs.test")


def test_the_samples_are_what_their_builder_writes():
    spec = importlib.util.spec_from_file_location("make_one_plan", HERE / "make_one_plan.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    assert [file for file, _, _ in builder.CASES] == [c["file"] for c in CASES]
    for file, build, _ in builder.CASES:
        assert build() == (HERE / file).read_bytes(), f"{file}: run tests/messages/one_plan/make_one_plan.py"
