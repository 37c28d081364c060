"""Reading messages ahead in a child process gives what reading them here gives.

A pass with enough new mail parses each group of messages, and reads the forms
in their attachments, in a child process while it stores the group before it.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from sqlalchemy import select

from pipeline import passes
from pipeline.config import LimitSettings, load_settings
from pipeline.intake import prepare
from pipeline.mail import Fetched
from pipeline.store import db
from pipeline.store.models import Message, Submission

SAMPLES = sorted((Path(__file__).parents[1] / "messages").glob("*.eml"))


def fetched(paths: list[Path]) -> list[Fetched]:
    return [Fetched(str(n), n, p.read_bytes(), p.stat().st_size) for n, p in enumerate(paths, 1)]


def groups_of(items: list[Fetched], size: int) -> list[list[Fetched]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def test_the_child_gives_what_this_process_gives(monkeypatch):
    monkeypatch.setattr(prepare, "CHILD_FROM", 0)
    limits = LimitSettings()
    messages = fetched(SAMPLES)

    with prepare.Preparer(limits, expected=len(messages)) as preparer:
        results = [(g, p) for g, p in preparer.ahead(groups_of(messages, 4))]

    assert [f for g, _ in results for f in g] == messages
    read_ahead = 0
    for group, prepared in results[1:]:  # the first group is read here while the child starts
        for one, child in zip(group, prepared):
            here = prepare.prepare(one.raw, limits)
            assert child.mail == here.mail and child.sha256 == here.sha256 and child.parse_error == here.parse_error
            for theirs, ours in zip(child.forms, here.forms):
                assert repr(theirs) == repr(ours)
                read_ahead += theirs is not None
            assert child.compressed is not None
    assert read_ahead >= 3  # the .docx, .xlsx and .csv submissions among the samples


def test_when_the_child_dies_the_pass_reads_the_rest_here(monkeypatch, caplog):
    monkeypatch.setattr(prepare, "CHILD_FROM", 0)
    messages = fetched(SAMPLES[:12])
    seen = []

    with prepare.Preparer(LimitSettings(), expected=len(messages)) as preparer:
        for group, prepared in preparer.ahead(groups_of(messages, 3)):
            seen.append((group, prepared))
            if len(seen) == 2:
                for pid in list(preparer._pool._processes):  # the OOM killer, or a parser's crash
                    os.kill(pid, signal.SIGKILL)

    assert [f for g, _ in seen for f in g] == messages
    for group, prepared in seen:
        assert [p.mail.message_id for p in prepared] == [
            prepare.prepare(f.raw, LimitSettings()).mail.message_id for f in group
        ]
    assert "reading the rest of this pass here" in caplog.text


def test_a_pass_with_the_child_files_the_same_as_one_without(dovecot, tmp_path, monkeypatch):
    """The same sample mail in two mailboxes and two databases, polled with and without the child."""
    outcomes = {}
    for name, child_from in (("child", 0), ("here", 10_000)):
        monkeypatch.setattr(prepare, "CHILD_FROM", child_from)
        account = dovecot.add_user()
        account.append_many([p.read_bytes() for p in SAMPLES])
        url = f"sqlite:///{tmp_path}/{name}.db"
        db.upgrade(url)
        config = tmp_path / f"{name}.toml"
        config.write_text(
            f'[database]\nurl = "{url}"\n[mailbox]\nurl = "{account.url}"\npassword_env = "P"\nbatch_size = 4\n'
            f'[paths]\noutbox_dir = "{tmp_path}/{name}-outbox"\n'
        )
        settings = load_settings(config, {"P": account.password})

        summary = passes.poll_once(settings)

        assert summary.fetched == len(SAMPLES) and account.uids("INBOX") == []
        assert (summary.read_ahead > 0) == (name == "child")
        with db.transaction(url, readonly=True) as session:
            messages = [
                (m.message_id, m.outcome, m.handler, m.reason)
                for m in session.scalars(select(Message).order_by(Message.uid))
            ]
            forms = sorted((s.title, s.status, s.theme, s.lead_email) for s in session.scalars(select(Submission)))
            raws = [m.raw for m in session.scalars(select(Message).order_by(Message.uid))]
        outcomes[name] = (messages, forms)
        assert raws == [p.read_bytes() for p in SAMPLES]  # stored whole, whichever process compressed them
        db.get_engine(url).dispose()

    assert outcomes["child"] == outcomes["here"]
    assert len(outcomes["child"][1]) >= 3


def test_mln_poll_reads_ahead_in_a_child_from_the_command_line(intake):
    from fixtures.samples import numbered_message

    intake.account.append_many([numbered_message(n) for n in range(prepare.CHILD_FROM + 5)])

    result = intake.poll_json()

    assert result["fetched"] == prepare.CHILD_FROM + 5
    assert result["read_ahead"] >= prepare.CHILD_FROM - 4  # all but the first group (of the fixture's 4)
    assert intake.account.uids("INBOX") == []
    assert len(intake.count_by_message_id()) == prepare.CHILD_FROM + 5
