"""One test's world for the resilience suite: a config file pointing at a database, a
mailbox, an SMTP server and an outbox folder, `mln` run as a subprocess, and the
invariants (each message recorded once, nothing deleted unrecorded, each row sent once).
"""

from __future__ import annotations

import collections
import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from pipeline.config import Settings, load_settings
from pipeline.store import db
from pipeline.store.models import Message, Outgoing

IMAP_PASSWORD_ENV = "TEST_IMAP_PASSWORD"
SMTP_PASSWORD_ENV = "TEST_SMTP_PASSWORD"
TOKEN_SECRET_ENV = "TEST_TOKEN_SECRET"


@dataclass
class World:
    """A config file and its environment; `mln` runs against it as cron would run it."""

    root: Path
    db_url: str
    mailbox_url: str = ""
    smtp_url: str = "smtp://127.0.0.1:1"
    smtp_timeout: float = 10.0
    smtp_extra: str = ""  # more [smtp] lines, e.g. 'starttls = true\nuser = "mln"\n'
    environ: dict[str, str] = field(default_factory=dict)
    extra_toml: str = ""

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.write_config()

    @property
    def config_path(self) -> Path:
        return self.root / "mln.toml"

    def write_config(self) -> None:
        mailbox = (
            f'[mailbox]\nurl = "{self.mailbox_url}"\npassword_env = "{IMAP_PASSWORD_ENV}"\nbatch_size = 4\ntimeout = 10\n'
            if self.mailbox_url
            else ""
        )
        self.config_path.write_text(
            f'[database]\nurl = "{self.db_url}"\n{mailbox}'
            f'[smtp]\nurl = "{self.smtp_url}"\npassword_env = "{SMTP_PASSWORD_ENV}"\ntimeout = {self.smtp_timeout}\n{self.smtp_extra}'
            f'from_address = "bulletin@example.org"\nreply_to = "mln@example.org"\n'
            f'[security]\ntoken_secret_env = "{TOKEN_SECRET_ENV}"\n'
            f'[paths]\noutbox_dir = "outbox"\n{self.extra_toml}'
        )

    @property
    def settings(self) -> Settings:
        return load_settings(self.config_path, self.environ)

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLN_")}
        return env | self.environ | (extra or {})

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "pipeline.cli", "--config", str(self.config_path), *args]

    def run(
        self, *args: str, extra_env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(*args), capture_output=True, text=True, env=self.env(extra_env), timeout=timeout
        )

    def invoke(self, *args: str) -> subprocess.CompletedProcess:
        """`mln ARGS` in this process (click's runner): for tests that need no kill, it skips a start-up."""
        from click.testing import CliRunner

        from pipeline.cli import cli

        logger = logging.getLogger("pipeline")
        saved = (logger.handlers[:], logger.level, logger.propagate)
        try:
            result = CliRunner().invoke(
                cli, ["--config", str(self.config_path), *args], env=self.environ, catch_exceptions=False
            )
        finally:  # `mln` points the log at the runner's stderr, which is closed after it
            logger.handlers[:], logger.level, logger.propagate = saved
        return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)

    def popen(self, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(*args), env=self.env(extra_env), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    # ---- what the database says ------------------------------------------------------

    def recorded(self) -> list[Message]:
        with db.transaction(self.db_url, readonly=True) as session:
            return list(session.scalars(select(Message).order_by(Message.id)))

    def count_by_message_id(self) -> dict[str, int]:
        with db.transaction(self.db_url, readonly=True) as session:
            return dict(session.execute(select(Message.message_id, func.count()).group_by(Message.message_id)).all())

    def outgoing_status(self) -> dict[str, int]:
        with db.transaction(self.db_url, readonly=True) as session:
            return dict(session.execute(select(Outgoing.status, func.count()).group_by(Outgoing.status)).all())

    def sent_per_recipient(self) -> collections.Counter:
        with db.transaction(self.db_url, readonly=True) as session:
            rows = session.scalars(select(Outgoing.recipient).where(Outgoing.status == "sent"))
            return collections.Counter(rows)


# ---- invariants ----------------------------------------------------------------------


def mailbox_contents(account) -> dict[str, list[str]]:
    """The Message-ID of every message in every folder of the test mailbox."""
    from email.parser import BytesHeaderParser

    parser = BytesHeaderParser()
    contents: dict[str, list[str]] = {}
    with account.client() as client:
        for _flags, _delim, folder in client.list_folders():
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            data = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"]) if uids else {}
            contents[folder] = [
                str(parser.parsebytes(item[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"])["Message-ID"] or "").strip()
                for item in data.values()
            ]
    return contents


def assert_nothing_filed_unrecorded(world: World, account) -> int:
    """Mid-run invariant: every message that has left the inbox has a row; none has vanished."""
    recorded = set(world.count_by_message_id())
    contents = mailbox_contents(account)
    outside = [mid for folder, mids in contents.items() if folder != "INBOX" for mid in mids]
    unrecorded = [mid for mid in outside if mid not in recorded]
    assert not unrecorded, f"moved out of the inbox without a record: {unrecorded}"
    return sum(len(m) for m in contents.values())


def assert_each_message_once(world: World, account, expected: set[str]) -> None:
    """Final invariant: each message recorded exactly once, filed, none left in the inbox or lost."""
    counts = world.count_by_message_id()
    twice = {mid: n for mid, n in counts.items() if n != 1}
    assert not twice, f"recorded more than once: {twice}"
    assert set(counts) == expected, f"missing records: {expected - set(counts)}; unexpected: {set(counts) - expected}"
    contents = mailbox_contents(account)
    assert contents.get("INBOX", []) == [], f"left in the inbox: {contents.get('INBOX')}"
    everywhere = collections.Counter(mid for mids in contents.values() for mid in mids)
    assert set(everywhere) == expected, f"lost from the mailbox: {expected - set(everywhere)}"
    assert set(everywhere.values()) == {1}, f"in the mailbox twice: {[m for m, n in everywhere.items() if n > 1]}"
    assert all(row.action_done for row in world.recorded())
