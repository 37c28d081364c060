"""`mln doctor` against the real Dovecot, aiosmtpd and SQLite/PostgreSQL, one thing broken at a time."""

from __future__ import annotations

import json

import pytest
from fixtures.database import drop_postgres_schema, new_postgres_schema_url, postgres_available


def shared_address(setup) -> str:
    return f"{setup.account.user}@example.test"


def failures(result) -> dict[str, str]:
    """{check name: fix} of each failed check, from --json."""
    report = json.loads(result.stdout)
    return {check["name"]: check["fix"] for check in report["checks"] if check["status"] == "fail"}


def details(result) -> str:
    return "\n".join(f"{c['name']}: {c['detail']}" for c in json.loads(result.stdout)["checks"])


def test_all_good_exits_0_and_the_probe_comes_back_and_is_filed(setup, db_url):
    setup.write(db_url, shared_address(setup))

    result = setup.mln("doctor")

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    for name in ("config", "database", "mailbox login", "SMTP login", "token secret", "probe mail comes back"):
        assert any(line.startswith(f"✓ {name}:") for line in lines), result.stdout
    assert "- web base URL:" in result.stdout and lines[-1] == "all checks passed"
    # The probe went to a +probe- tag of the From address, came back, and left the inbox.
    assert any("+probe-" in rcpt for rcpt in setup.relay.accepted)
    assert setup.account.uids("INBOX") == []
    assert len(setup.account.uids("Processed/Ignored")) == 1


def test_json_for_scripts(setup, sqlite_url):
    setup.write(sqlite_url, shared_address(setup))

    result = setup.mln("doctor", "--json", "--no-probe")

    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["ok"] is True
    assert report["config"] == str(setup.config)
    assert {"name", "status", "detail", "fix"} <= set(report["checks"][0])
    assert [c["status"] for c in report["checks"] if c["name"] == "probe mail comes back"] == ["skip"]


def test_wrong_imap_password(setup, db_url):
    setup.write(db_url, shared_address(setup))
    setup.environ["TEST_IMAP_PASSWORD"] = "not-the-password"

    result = setup.mln("doctor", "--json")

    assert result.returncode == 1
    fixes = failures(result)
    assert list(fixes) == ["mailbox login"]
    assert fixes["mailbox login"] == "check the user in mailbox.url and $TEST_IMAP_PASSWORD"
    detail = next(c["detail"] for c in json.loads(result.stdout)["checks"] if c["name"] == "mailbox login")
    assert "[AUTHENTICATIONFAILED] Authentication failed." in detail and "b'" not in detail
    assert "not-the-password" not in result.stdout


def test_unset_imap_password_is_named(setup, sqlite_url):
    setup.write(sqlite_url, shared_address(setup))
    del setup.environ["TEST_IMAP_PASSWORD"]

    result = setup.mln("doctor")

    assert result.returncode == 1
    assert "✗ mailbox login: $TEST_IMAP_PASSWORD is not set (mailbox.password_env names it)" in result.stdout
    assert "    fix: put the password of" in result.stdout


def test_unset_token_secret(setup, db_url):
    setup.write(db_url, shared_address(setup), secret="")

    result = setup.mln("doctor", "--json")

    assert result.returncode == 1
    fixes = failures(result)
    assert list(fixes) == ["token secret"]
    assert fixes["token secret"].startswith("put `MLN_TOKEN_SECRET=<random>` in mln.secrets.env")


def test_from_address_not_delivered_to_the_polled_mailbox(setup, db_url):
    setup.write(db_url, "bulletin@example.test")  # the relay delivers only the shared mailbox

    result = setup.mln("doctor", "--json", "--probe-timeout", "3")

    assert result.returncode == 1
    fixes = failures(result)
    assert list(fixes) == ["probe mail comes back"], details(result)
    assert fixes["probe mail comes back"].startswith(
        "mail to bulletin@example.test (and its +tags) must be delivered to the polled mailbox"
    )


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_migration_missing(setup, kind, tmp_path):
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path}/empty.db"
        (tmp_path / "empty.db").touch()
    else:
        if not postgres_available():
            pytest.skip("no PostgreSQL")
        url, schema = new_postgres_schema_url()
    setup.write(url, shared_address(setup))
    try:
        result = setup.mln("doctor", "--json", "--no-probe")
    finally:
        if kind == "postgresql":
            drop_postgres_schema(url, schema)

    assert result.returncode == 1
    assert failures(result) == {"database": "run `mln db upgrade`"}


def test_a_missing_sqlite_file_is_reported_not_created(setup, tmp_path):
    setup.write(f"sqlite:///{tmp_path}/nowhere.db", shared_address(setup))

    result = setup.mln("doctor", "--no-probe")

    assert result.returncode == 1
    assert f"✗ database: {tmp_path}/nowhere.db does not exist" in result.stdout
    assert not (tmp_path / "nowhere.db").exists()


def test_refused_smtp_and_imap_say_cannot_connect(setup, sqlite_url):
    setup.write(sqlite_url, shared_address(setup))
    text = setup.config.read_text()
    text = text.replace(f":{setup.relay.port}", ":1").replace(f":{setup.account.server.port}/", ":1/")
    setup.config.write_text(text)

    result = setup.mln("doctor")

    assert result.returncode == 1
    assert "✗ mailbox login: cannot connect to imap://" in result.stdout
    assert "✗ SMTP login: cannot connect to SMTP server 127.0.0.1:1" in result.stdout
    assert "cannot log in" not in result.stdout
    assert "- probe mail comes back: not tried" in result.stdout


def test_host_names_that_do_not_resolve(setup, sqlite_url):
    setup.write(sqlite_url, shared_address(setup))
    text = setup.config.read_text().replace("127.0.0.1", "no-such-host.invalid")
    setup.config.write_text(text)

    result = setup.mln("doctor", "--no-probe")

    assert "the host name 'no-such-host.invalid' in mailbox.url does not resolve" in result.stdout
    assert "the host name 'no-such-host.invalid' in smtp.url does not resolve" in result.stdout


def test_no_config_exits_2_naming_where_it_looked(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("MLN_")}
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "doctor"], cwd=tmp_path, capture_output=True, text=True, env=env
    )

    assert result.returncode == 2
    assert f"no {tmp_path}/mln.toml" in result.stderr and "$MLN_CONFIG" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_each_smtp_route_is_checked(setup, sqlite_url):
    setup.write(sqlite_url, shared_address(setup))
    text = setup.config.read_text().replace(f"127.0.0.1:{setup.relay.port}", "127.0.0.1:1")
    setup.config.write_text(
        text + f'[[smtp.route]]\nname = "bulk"\nurl = "smtp://127.0.0.1:{setup.relay.port}"\nlists = ["external"]\n'
    )

    result = setup.mln("doctor", "--json", "--no-probe")

    statuses = {c["name"]: c["status"] for c in json.loads(result.stdout)["checks"]}
    assert statuses["SMTP login (bulk)"] == "pass"
    assert statuses["SMTP login (default)"] == "fail"
    assert result.returncode == 1
