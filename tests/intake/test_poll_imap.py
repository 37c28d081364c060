"""`mln poll` against a real Dovecot: every message recorded once, moved only after commit."""

from __future__ import annotations

import subprocess

import pytest
from fixtures.samples import numbered_message, sample

from pipeline.errors import MailboxError
from pipeline.intake import handlers
from pipeline.intake.mailbox.imap import ImapSource
from pipeline.intake.messages import list_messages, retry_message
from pipeline.passes import poll_once


def test_poll_records_each_message_and_files_it_by_rule(intake):
    intake.account.append_many([sample("out-of-office.eml"), sample("dsn-bounce.eml"), numbered_message(1)])

    summary = intake.poll_json()

    assert summary["fetched"] == 3
    assert intake.account.uids("INBOX") == []
    rows = {r.subject: r for r in intake.recorded()}
    assert len(rows) == 3
    assert {r.rule for r in rows.values()} == {"auto-replies", "bounces", "default-hold"}
    assert all(r.action_done for r in rows.values())
    assert len(intake.account.uids("Processed/Automatic")) == 1
    assert len(intake.account.uids("Processed/Bounces")) == 1
    assert len(intake.account.uids("Held")) == 1  # nothing recognised it: kept for a person
    bounce = [r for r in rows.values() if r.rule == "bounces"][0]
    assert bounce.outcome == "ignored" and "not a subscriber" in bounce.reason


def test_second_poll_finds_nothing_new(intake):
    intake.account.append_many([numbered_message(n) for n in range(3)])
    intake.poll_json()

    again = intake.poll_json()

    assert again["fetched"] == 0
    assert len(intake.recorded()) == 3


def test_an_idle_poll_only_logs_in_and_asks_status(intake, monkeypatch):
    # What keeps an idle poll as cheap on a big folder as on a small one: no SELECT, no
    # SEARCH, and no LIST before the STATUS (on Dovecot that made STATUS read the folder).
    import imaplib

    intake.account.append_many([numbered_message(n) for n in range(3)])
    poll_once(intake.settings)
    sent: list[str] = []
    real = imaplib.IMAP4._command

    def record(self, name, *args):  # type: ignore[no-untyped-def]
        sent.append(name)
        return real(self, name, *args)

    monkeypatch.setattr(imaplib.IMAP4, "_command", record)
    summary = poll_once(intake.settings)

    assert summary.fetched == 0
    assert [name for name in sent if name not in ("CAPABILITY", "NOOP")] == ["LOGIN", "STATUS", "LOGOUT"]


def test_raw_message_is_kept_byte_for_byte(intake):
    raw = sample("non-ascii.eml")
    intake.account.append(raw)
    intake.poll_json()

    [row] = intake.recorded()
    assert row.raw == raw
    assert row.sha256 and row.message_id


def test_messages_json_lists_the_documented_keys(intake):
    intake.account.append(sample("template-request.eml"))
    intake.poll_json()

    rows = list_messages(intake.settings)

    assert set(rows[0]) >= {"id", "message_id", "from", "subject", "received_at", "rule", "outcome"}
    assert rows[0]["rule"] == "template-request"


def test_broken_mime_gets_an_outcome_and_leaves_the_inbox(intake):
    intake.account.append_many(
        [sample("malformed-boundary.eml"), sample("missing-headers.eml"), sample("empty-body.eml")]
    )

    summary = intake.poll_json()

    assert summary["fetched"] == 3
    assert intake.account.uids("INBOX") == []
    assert all(r.outcome in ("held", "processed", "ignored") for r in intake.recorded())


def test_oversize_message_is_held_with_its_headers_only(intake, monkeypatch):
    big = numbered_message(1, body="x" * 200_000)
    intake.account.append(big)
    intake.environ["MLN_LIMITS_MAX_MESSAGE_BYTES"] = "50000"

    intake.poll_json()

    [row] = intake.recorded()
    assert row.outcome == "held"
    assert "over the" in row.reason and "MB limit" in row.reason
    assert len(row.raw) < 1000
    assert len(intake.account.uids("Held")) == 1  # the whole message is still in the mailbox


def test_handler_failure_quarantines_that_message_and_the_pass_goes_on(intake, monkeypatch):
    class Exploding:
        name = "unrecognised"  # what the default rule runs for a person's message
        description = "fails, as a bug would"

        def handle(self, ctx):
            raise RuntimeError("boom")

    monkeypatch.setitem(handlers.HANDLERS, "unrecognised", Exploding())
    intake.account.append_many([numbered_message(1), sample("out-of-office.eml")])

    summary = poll_once(intake.settings)

    assert summary.outcomes == {"quarantined": 1, "ignored": 1}
    [bad] = [r for r in intake.recorded() if r.outcome == "quarantined"]
    assert "RuntimeError: boom" in bad.error
    assert len(intake.account.uids("Quarantine")) == 1

    monkeypatch.undo()
    retried = retry_message(intake.settings, bad.id)
    assert retried["outcome"] == "held"


def test_without_move_capability_falls_back_to_copy_and_uid_expunge(intake, monkeypatch):
    original = ImapSource._move

    def no_move(self, uids, folder):
        self.client.has_capability = lambda cap: cap.upper() != "MOVE" and cap.upper() in ("UIDPLUS",)
        return original(self, uids, folder)

    monkeypatch.setattr(ImapSource, "_move", no_move)
    intake.account.append_many([numbered_message(n) for n in range(3)])

    poll_once(intake.settings)

    assert intake.account.uids("INBOX") == []
    assert len(intake.account.uids("Held")) == 3


def test_unreachable_server_exits_3_with_a_next_step(intake):
    intake.config_path.write_text(intake.config_path.read_text().replace(f":{intake.account.server.port}/", ":1/"))

    result = intake.run("poll")

    assert result.returncode == 3
    assert "cannot connect" in result.stderr and "check mailbox.url" in result.stderr


def test_uidvalidity_change_refiles_without_handling_again(intake):
    # Messages kept in the inbox by a rule are seen again after a UIDVALIDITY change.
    rules = intake.config_path.parent / "rules"
    rules.mkdir()
    (rules / "10-keep.toml").write_text(
        '[[rule]]\nname = "keep"\nhandler = "ignore"\nkeep_in_inbox = true\noptions = { reason = "kept" }\n'
    )
    intake.config_path.write_text(intake.config_path.read_text() + f'rules_dir = "{rules}"\n')
    intake.account.append_many([numbered_message(n) for n in range(3)])
    intake.poll_json()
    assert len(intake.account.uids("INBOX")) == 3

    server = intake.account.server
    subprocess.run(
        [
            "doveadm",
            "-c",
            str(server.config),
            "mailbox",
            "update",
            "-u",
            intake.account.user,
            "--uid-validity",
            "4242",
            "INBOX",
        ],
        check=True,
        capture_output=True,
    )
    intake.account.append(numbered_message(99))
    summary = intake.poll_json()

    assert summary["uidvalidity_reset"] is True
    assert summary["outcomes"] == {"ignored": 1}  # only the new one was handled
    assert summary["already_recorded"] == 3
    assert sorted(intake.count_by_message_id().values()) == [1, 1, 1, 1]


def patch_body_fetch(monkeypatch, before_fetch):
    """Run `before_fetch(source, uids)` just before each BODY.PEEK[] fetch (a seam on the real server)."""
    original = ImapSource.fetch

    def fetch(self, locations, max_bytes):
        real_fetch = self.client.fetch

        def wrapped(uids, items):
            if items == ["BODY.PEEK[]"]:
                return before_fetch(real_fetch, uids, items)
            return real_fetch(uids, items)

        self.client.fetch = wrapped
        return original(self, locations, max_bytes)

    monkeypatch.setattr(ImapSource, "fetch", fetch)


def test_a_message_moved_away_by_another_poller_during_fetch_is_skipped(intake, monkeypatch):
    intake.account.append_many([numbered_message(n) for n in range(3)])

    def other_poller_moves_uid_2(real_fetch, uids, items):
        with intake.account.client() as other:
            if not other.folder_exists("Elsewhere"):
                other.create_folder("Elsewhere")
            other.select_folder("INBOX")
            other.move([2], "Elsewhere")
        return real_fetch(uids, items)

    patch_body_fetch(monkeypatch, other_poller_moves_uid_2)

    summary = poll_once(intake.settings)

    assert summary.fetched == 2
    assert intake.account.uids("INBOX") == []


def test_no_content_for_a_message_still_there_stops_the_pass_and_nothing_is_skipped(intake, monkeypatch):
    intake.account.append_many([numbered_message(n) for n in range(3)])

    def nil_for_uid_2(real_fetch, uids, items):
        data = real_fetch(uids, items)
        if 2 in data:
            data[2] = {b"BODY[]": None, b"SEQ": 2}
        return data

    patch_body_fetch(monkeypatch, nil_for_uid_2)
    with pytest.raises(MailboxError, match="no content for UID 2"):
        poll_once(intake.settings)
    monkeypatch.undo()

    assert poll_once(intake.settings).fetched == 2
    assert len(intake.recorded()) == 3
