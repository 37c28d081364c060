"""Secrets never leak: the IMAP and SMTP passwords, the token secret and a database password
appear in no log line (JSON, -vv), no --json output, no error message and no status page,
over a full poll + outbox flush against real servers and the failures around them.
"""

from __future__ import annotations

import time

import pytest
from fixtures.dovecot import start_dovecot, stop_dovecot
from fixtures.samples import sample
from fixtures.smtp import SINK_PASSWORD, SINK_USER
from resilience.harness import IMAP_PASSWORD_ENV, SMTP_PASSWORD_ENV, TOKEN_SECRET_ENV, World

IMAP_PASSWORD = "Imap-Pw-7c1e0b9a44d2"
TOKEN_SECRET = "Token-Secret-5f2a9d81e6c34b07a1"
DB_PASSWORD = "Db-Pw-19ab27cd38ef"
WRONG_IMAP = "Wrong-Imap-Pw-8d7c6b5a"
WRONG_SMTP = "Wrong-Smtp-Pw-4e3d2c1b"


@pytest.fixture
def strong_dovecot():
    """A Dovecot whose first user has a password no other text could contain by chance."""
    server = start_dovecot()
    account = server.add_user()
    passwd = server.root / "passwd"
    time.sleep(1.1)  # Dovecot rereads the passwd-file when its mtime (whole seconds) changes
    passwd.write_text(
        passwd.read_text().replace(f"{account.user}:{{PLAIN}}secret:", f"{account.user}:{{PLAIN}}{IMAP_PASSWORD}:", 1)
    )
    account.password = IMAP_PASSWORD
    deadline = time.monotonic() + 10
    while True:
        try:
            account.client().logout()
            break
        except Exception:  # noqa: BLE001 - not reread yet
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    yield account
    stop_dovecot(server)


def _world(
    tmp_path, sqlite_url, account, sink, smtp_password: str = SINK_PASSWORD, imap_password: str = IMAP_PASSWORD
) -> World:
    return World(
        tmp_path,
        sqlite_url,
        mailbox_url=account.url,
        smtp_url=sink.url(),
        smtp_extra=f'starttls = true\nuser = "{SINK_USER}"\nca_file = "{sink.ca_file}"\n',
        environ={IMAP_PASSWORD_ENV: imap_password, SMTP_PASSWORD_ENV: smtp_password, TOKEN_SECRET_ENV: TOKEN_SECRET},
    )


def _assert_no_secret(texts: list[str], secrets: list[str]) -> None:
    for secret in secrets:
        leaks = [t[max(0, t.find(secret) - 80) : t.find(secret) + 80] for t in texts if secret in t]
        assert not leaks, f"secret {secret[:6]}... leaked: {leaks[0]!r}"


def test_full_run_with_debug_logs_never_shows_a_secret(strong_dovecot, smtp_tls_sink, sqlite_url, tmp_path, tally):
    account = strong_dovecot
    account.append_many(
        [
            sample(name)
            for name in (
                "subscribe-request.eml",
                "template-request.eml",
                "outlook-submission-docx.eml",
                "csv-submission.eml",
                "dsn-bounce.eml",
                "unsubscribe-request.eml",
            )
        ]
    )
    world = _world(tmp_path, sqlite_url, account, smtp_tls_sink)
    log_file = tmp_path / "mln.log"
    texts = []
    runs = [
        ("--log-format", "json", "-vv", "--log-file", str(log_file), "poll", "--json"),
        ("--log-format", "json", "-vv", "outbox", "flush", "--json"),
        ("-vv", "poll"),
        ("-vv", "outbox", "flush"),
        ("--log-format", "json", "-vv", "status", "--json"),
        ("-vv", "status"),
        ("messages", "--json"),
        ("outbox", "status", "--json"),
        ("queue", "--json"),
        ("subscribers", "list", "--json"),
    ]
    for n, args in enumerate(runs):
        result = world.run(*args) if n == 0 else world.invoke(*args)  # the first as cron runs it, the rest in-process
        assert result.returncode == 0, (args, result.stderr)
        texts += [result.stdout, result.stderr]
    texts.append(log_file.read_text())

    assert len(smtp_tls_sink.messages) >= 3  # confirmation, template, acknowledgements went out over AUTH
    assert any('"level": "debug"' in t or '"level": "info"' in t for t in texts)  # the logs did say things
    _assert_no_secret(texts, [IMAP_PASSWORD, SINK_PASSWORD, TOKEN_SECRET])
    tally.add(inputs=len(runs))


def test_failures_name_the_setting_not_the_secret(strong_dovecot, smtp_tls_sink, sqlite_url, tmp_path, tally):
    account = strong_dovecot
    account.append(sample("template-request.eml"))
    texts = []
    bad_imap = _world(tmp_path, sqlite_url, account, smtp_tls_sink, imap_password=WRONG_IMAP)
    result = bad_imap.invoke("--log-format", "json", "-vv", "poll", "--json")
    assert result.returncode == 3 and "cannot log in" in result.stderr
    texts += [result.stdout, result.stderr]

    good = _world(tmp_path, sqlite_url, account, smtp_tls_sink)
    assert good.invoke("poll").returncode == 0
    bad_smtp = _world(tmp_path, sqlite_url, account, smtp_tls_sink, smtp_password=WRONG_SMTP)
    result = bad_smtp.invoke("--log-format", "json", "-vv", "outbox", "flush", "--json")
    assert result.returncode == 3 and "refused the login" in result.stderr
    texts += [result.stdout, result.stderr]

    from fixtures.smtp import free_port

    bad_db = World(
        tmp_path / "db",
        f"postgresql+psycopg://mln:{DB_PASSWORD}@127.0.0.1:{free_port()}/test?connect_timeout=2",
        mailbox_url=account.url,
        environ={IMAP_PASSWORD_ENV: IMAP_PASSWORD},
    )
    for args in (("-vv", "poll", "--json"), ("-vv", "status", "--json"), ("-vv", "outbox", "flush")):
        result = bad_db.invoke(*args)
        assert result.returncode != 0
        texts += [result.stdout, result.stderr]

    _assert_no_secret(texts, [IMAP_PASSWORD, WRONG_IMAP, SINK_PASSWORD, WRONG_SMTP, TOKEN_SECRET, DB_PASSWORD])
    tally.add(faults=5)
