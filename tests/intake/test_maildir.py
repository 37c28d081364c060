"""The local Maildir source: same flow as IMAP, for the demo and for sites that deliver to disk."""

from __future__ import annotations

import mailbox
import signal
import subprocess
import sys

from fixtures.samples import numbered_message, sample

from pipeline.config import load_settings
from pipeline.intake.messages import list_messages
from pipeline.passes import poll_once
from pipeline.store import db


def maildir_settings(tmp_path, environ=None):
    (tmp_path / "mln.toml").write_text('[mailbox]\nurl = "maildir://./mailbox"\n[paths]\noutbox_dir = "outbox"\n')
    settings = load_settings(tmp_path / "mln.toml", environ or {})
    db.upgrade(settings.database.url)
    return settings


def test_maildir_poll_files_messages_into_subfolders(tmp_path):
    settings = maildir_settings(tmp_path)
    box = mailbox.Maildir(tmp_path / "mailbox", create=True)
    for raw in (sample("out-of-office.eml"), numbered_message(1)):
        box.add(raw)

    summary = poll_once(settings)

    assert summary.outcomes == {"ignored": 1, "held": 1}
    box = mailbox.Maildir(tmp_path / "mailbox")
    assert len(box) == 0
    assert len(box.get_folder("Processed.Automatic")) == 1
    assert len(box.get_folder("Held")) == 1
    assert poll_once(settings).fetched == 0


def test_maildir_crash_after_commit_then_rerun(tmp_path):
    maildir_settings(tmp_path)
    box = mailbox.Maildir(tmp_path / "mailbox", create=True)
    for n in range(6):
        box.add(numbered_message(n))
    env = {"MLN_DEBUG_CRASH_AT": "after_commit:2", "PATH": "/usr/bin:/bin"}
    crashed = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "--config", str(tmp_path / "mln.toml"), "poll"],
        env=env,
        capture_output=True,
    )
    assert crashed.returncode == -signal.SIGKILL

    poll_once(load_settings(tmp_path / "mln.toml", {}))

    rows = list_messages(load_settings(tmp_path / "mln.toml", {}))
    assert len(rows) == 6 and len({r["message_id"] for r in rows}) == 6
    assert len(mailbox.Maildir(tmp_path / "mailbox")) == 0
    assert len(mailbox.Maildir(tmp_path / "mailbox").get_folder("Held")) == 6


def test_a_reply_that_cannot_be_spooled_stays_queued_and_the_pass_completes(tmp_path):
    settings = maildir_settings(tmp_path)
    box = mailbox.Maildir(tmp_path / "mailbox", create=True)
    box.add(sample("template-request.eml"))
    outbox = tmp_path / "outbox"
    if outbox.exists():
        outbox.rmdir()
    outbox.write_text("a file where the outbox folder should be")  # every write into it fails

    summary = poll_once(settings)

    assert summary.outcomes == {"processed": 1}
    assert summary.spool_error and summary.replies_spooled == 0
    outbox.unlink()
    outbox.mkdir()
    assert poll_once(settings).replies_spooled == 1
    assert len(list(outbox.glob("*.eml"))) == 1
