"""The real servers the benchmarks run against, started the way the test fixtures start them.

Dovecot and the SMTP sink reuse tests/fixtures/ (same config, same helpers);
databases are a SQLite file, or a schema of its own in the PostgreSQL at
127.0.0.1:5432 (database `test`), dropped afterwards.
"""
from __future__ import annotations

import contextlib
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from pipeline import db
from pipeline.config import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tests"))
from fixtures import database as pg_fixture  # noqa: E402
from fixtures import dovecot as dovecot_fixture  # noqa: E402
from fixtures.smtp import _start as start_smtp_controller  # noqa: E402


class BenchmarkSetupError(RuntimeError):
    """A server the benchmarks need is missing."""


@contextlib.contextmanager
def dovecot() -> Iterator[dovecot_fixture.DovecotServer]:
    """A Dovecot on a loopback port, started by the test fixture's own helper (same config, preset users)."""
    if not shutil.which("dovecot"):
        raise BenchmarkSetupError("Dovecot is not installed: run `make system-deps` (installs dovecot-imapd)")
    server = dovecot_fixture.start_dovecot()
    try:
        yield server
    finally:
        dovecot_fixture.stop_dovecot(server)


def fill_mailbox(account: dovecot_fixture.ImapAccount, messages: list[bytes], chunk: int = 200) -> None:
    """Put messages in the INBOX fast: MULTIAPPEND in chunks, over one connection."""
    with account.client() as client:
        for start in range(0, len(messages), chunk):
            client.multiappend("INBOX", messages[start:start + chunk])


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """A migrated, empty database URL: a SQLite file in `folder`, or a fresh PostgreSQL schema."""
    if backend == "sqlite":
        folder.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{folder}/mln.db"
        db.upgrade(url)
        try:
            yield url
        finally:
            db.get_engine(url).dispose()
        return
    if not pg_fixture.postgres_available():
        raise BenchmarkSetupError(f"no PostgreSQL at {pg_fixture.PG_SERVER}: {pg_fixture._pg_state.get('why')}")
    url, schema = pg_fixture.new_postgres_schema_url()
    try:
        db.upgrade(url)
        yield url
    finally:
        pg_fixture.drop_postgres_schema(url, schema)


@dataclass
class CountingSink:
    """An aiosmtpd handler that accepts everything and keeps only counts (10,000 copies would not fit)."""

    messages: int = 0
    recipients: int = 0
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.messages += 1
            self.recipients += len(envelope.rcpt_tos)
            self.bytes += len(envelope.original_content or envelope.content or b"")
        return "250 2.0.0 queued"

    def reset(self) -> None:
        with self.lock:
            self.messages = self.recipients = self.bytes = 0


@contextlib.contextmanager
def smtp_sink() -> Iterator[tuple[CountingSink, str]]:
    """An in-process aiosmtpd sink on a loopback port, as tests/fixtures/smtp.py runs one: (handler, smtp:// URL)."""
    handler = CountingSink()
    controller = start_smtp_controller(handler)
    try:
        yield handler, f"smtp://{controller.hostname}:{controller.port}"
    finally:
        controller.stop()
