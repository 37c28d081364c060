"""The real servers the benchmarks run against, started the way the test fixtures start them.

Dovecot and the SMTP sink reuse tests/fixtures/ (same config, same helpers);
databases are a SQLite file, or a schema of its own in the PostgreSQL at
127.0.0.1:5432 (database `test`), dropped afterwards.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from pipeline.config import REPO_ROOT
from pipeline.store import db

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
            client.multiappend("INBOX", messages[start : start + chunk])


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


class CountingSink:
    """What an aiosmtpd sink in a process of its own accepted: counts only (10,000 copies would not fit).

    The sink runs in its own process, as a real MTA would: in ours it competed with
    the code being measured, and with the baseline, for the interpreter lock.
    """

    def __init__(self, counts) -> None:  # type: ignore[no-untyped-def]
        self._counts = counts  # shared: messages, recipients, bytes

    @property
    def messages(self) -> int:
        return self._counts[0]

    @property
    def recipients(self) -> int:
        return self._counts[1]

    @property
    def bytes(self) -> int:
        return self._counts[2]

    def reset(self) -> None:
        with self._counts.get_lock():
            self._counts[0] = self._counts[1] = self._counts[2] = 0


class _CountingHandler:
    def __init__(self, counts) -> None:  # type: ignore[no-untyped-def]
        self.counts = counts

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.counts.get_lock():
            self.counts[0] += 1
            self.counts[1] += len(envelope.rcpt_tos)
            self.counts[2] += len(envelope.original_content or envelope.content or b"")
        return "250 2.0.0 queued"


def _serve_sink(counts, port, ready, stop) -> None:  # type: ignore[no-untyped-def]
    """In the sink's process: the test fixture's controller, with a handler that only counts."""
    controller = start_smtp_controller(_CountingHandler(counts))
    port.value = controller.port
    ready.set()
    stop.wait()
    controller.stop()


@contextlib.contextmanager
def smtp_sink() -> Iterator[tuple[CountingSink, str]]:
    """An aiosmtpd sink on a loopback port, in a process of its own: (its counts, smtp:// URL)."""
    context = multiprocessing.get_context("spawn")
    counts, port = context.Array("q", 3), context.Value("i", 0)
    ready, stop = context.Event(), context.Event()
    process = context.Process(target=_serve_sink, args=(counts, port, ready, stop), daemon=True)
    process.start()
    try:
        if not ready.wait(30):
            raise BenchmarkSetupError("the SMTP sink did not start within 30 s")
        yield CountingSink(counts), f"smtp://127.0.0.1:{port.value}"
    finally:
        stop.set()
        process.join(10)
        if process.is_alive():
            process.kill()
