"""Intake test helpers: a config pointing at the test Dovecot and database, and `mln` as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from pipeline.config import Settings, load_settings
from pipeline.store import db
from pipeline.store.models import Message


@dataclass
class Intake:
    """One test's mailbox + database + config file, and ways to look at them."""

    account: object
    config_path: Path
    environ: dict[str, str]

    @classmethod
    def create(cls, imap_account, db_url: str, tmp_path: Path, mailbox: str = "") -> Intake:
        """A config file for this account and database, with `mailbox` lines added to [mailbox]."""
        config = tmp_path / "mln.toml"
        config.write_text(
            f'[database]\nurl = "{db_url}"\n'
            f'[mailbox]\nurl = "{imap_account.url}"\npassword_env = "TEST_IMAP_PASSWORD"\n{mailbox}'
            f'[paths]\noutbox_dir = "{tmp_path}/outbox"\n'
        )
        return cls(imap_account, config, {"TEST_IMAP_PASSWORD": imap_account.password})

    @property
    def settings(self) -> Settings:
        return load_settings(self.config_path, self.environ)

    def run(
        self, *args: str, extra_env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess:
        """`mln --config ... ARGS` in a subprocess, as cron or a person would run it."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLN_")}
        env.update(self.environ, **(extra_env or {}))
        return subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "--config", str(self.config_path), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )

    def poll_json(self) -> dict:
        result = self.run("poll", "--json")
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def recorded(self) -> list[Message]:
        with db.transaction(self.settings.database.url, readonly=True) as session:
            return list(session.scalars(select(Message).options(undefer(Message.raw_compressed)).order_by(Message.id)))

    def count_by_message_id(self) -> dict[str, int]:
        with db.transaction(self.settings.database.url, readonly=True) as session:
            rows = session.execute(select(Message.message_id, func.count()).group_by(Message.message_id))
            return {mid: n for mid, n in rows}

    def all_folders(self) -> dict[str, int]:
        with self.account.client() as client:
            return {
                name: len(client.select_folder(name, readonly=True) and client.search("ALL"))
                for _flags, _delim, name in client.list_folders()
            }


@pytest.fixture
def intake(imap_account, db_url, tmp_path) -> Intake:
    return Intake.create(imap_account, db_url, tmp_path, "batch_size = 4\n")
