"""A set-up for `mln doctor`: the test Dovecot, a database, and an SMTP server that delivers.

The SMTP server is aiosmtpd in-process; mail to an address it is told to deliver
(any +tag included, as a real MTA with recipient_delimiter does) is appended to a
real Dovecot mailbox, and everything else is accepted and goes nowhere, as when
the From address is not the polled mailbox.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from fixtures.smtp import free_port

TOKEN_SECRET = "doctor-tests-secret-0123456789abcdef"


@dataclass
class DeliveringRelay:
    """Delivers mail for `mailboxes` (address -> IMAP account) into that account's INBOX."""

    mailboxes: dict = field(default_factory=dict)
    accepted: list = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        data = envelope.original_content or envelope.content
        for recipient in envelope.rcpt_tos:
            self.accepted.append(recipient)
            local, _, domain = recipient.partition("@")
            account = self.mailboxes.get(f"{local.split('+')[0]}@{domain}".lower())
            if account is not None:
                account.append(data)
        return "250 2.0.0 queued"


@pytest.fixture
def relay():
    handler = DeliveringRelay()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


@dataclass
class Setup:
    """One config file (and its secrets file) pointing at the test servers; `mln` as a person runs it."""

    folder: Path
    account: object
    relay: DeliveringRelay
    environ: dict[str, str]

    @property
    def config(self) -> Path:
        return self.folder / "mln.toml"

    def write(self, db_url: str, from_address: str, secret: str = TOKEN_SECRET) -> None:
        self.config.write_text(
            f'[database]\nurl = "{db_url}"\n'
            f'[mailbox]\nurl = "{self.account.url}"\npassword_env = "TEST_IMAP_PASSWORD"\n'
            f'[smtp]\nurl = "smtp://127.0.0.1:{self.relay.port}"\nfrom_address = "{from_address}"\n'
            f'reply_to = "{from_address}"\n'
            f'[paths]\noutbox_dir = "{self.folder}/outbox"\n'
        )
        secrets = self.folder / "mln.secrets.env"
        secrets.write_text(f"MLN_TOKEN_SECRET={secret}\n" if secret else "")
        secrets.chmod(0o600)

    def mln(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MLN_", "TEST_"))}
        env.update(self.environ)
        return subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "--config", str(self.config), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )


@pytest.fixture
def setup(imap_account, relay, tmp_path) -> Setup:
    shared = f"{imap_account.user}@example.test"
    relay.mailboxes[shared] = imap_account
    return Setup(tmp_path, imap_account, relay, {"TEST_IMAP_PASSWORD": imap_account.password})
