"""`mln auth login` and `mln auth status`, and `mln poll` with OAuth 2.0 from a config file."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

from auth.conftest import CLIENT_ID, CLIENT_SECRET, PUBLIC_CLIENT_ID
from auth.test_imap_xoauth2 import a_message
from click.testing import CliRunner

from pipeline.cli import cli

SECRET_ENV = "TEST_OAUTH2_SECRET"


def write_config(tmp_path, oauth_server, mailbox, sink_url, db_url, flow="device_code", client_id=PUBLIC_CLIENT_ID):
    scopes = (
        '["https://outlook.office365.com/IMAP.AccessAsUser.All", "https://outlook.office365.com/SMTP.Send", "offline_access"]'
        if flow == "device_code"
        else '["https://outlook.office365.com/.default"]'
    )
    config = tmp_path / "mln.toml"
    config.write_text(f"""\
[database]
url = "{db_url}"

[mailbox]
url = "{mailbox.url}"
auth = "oauth2"

[smtp]
url = "{sink_url}"
auth = "oauth2"
user = "{mailbox.user}"

[oauth2]
provider = "microsoft"
flow = "{flow}"
tenant = "{oauth_server.tenant}"
client_id = "{client_id}"
client_secret_env = "{SECRET_ENV}"
authority = "{oauth_server.authority}"
ca_file = "{oauth_server.ca_file}"
scopes = {scopes}
token_cache = "secrets/oauth2-token.json"
""")
    return config


def run(config, *args, env=None):
    return CliRunner().invoke(cli, ["--config", str(config), *args], env=env or {}, catch_exceptions=False)


def test_login_prints_code_and_url_and_keeps_the_token_0600(
    tmp_path, oauth_server, oauth_mailbox, xoauth2_sink, sqlite_url
):
    oauth_server.add_client(PUBLIC_CLIENT_ID)
    oauth_server.approve_as = oauth_mailbox.user  # the administrator enters the code straight away
    config = write_config(tmp_path, oauth_server, oauth_mailbox, xoauth2_sink.url(), sqlite_url)
    result = run(config, "auth", "login")
    assert result.exit_code == 0, result.output
    assert f"{oauth_server.base}/devicelogin" in result.output and "enter the code" in result.output
    assert f"Signed in as {oauth_mailbox.user}@example.nhs.test" in result.output
    cache = tmp_path / "secrets" / "oauth2-token.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    refresh_token = next(iter(oauth_server.refresh_tokens))
    assert refresh_token in cache.read_text() and refresh_token not in result.output


def test_status_json_shows_identity_expiry_and_both_logins(
    tmp_path, oauth_server, oauth_mailbox, xoauth2_sink, sqlite_url
):
    oauth_server.add_client(PUBLIC_CLIENT_ID)
    oauth_server.approve_as = oauth_mailbox.user
    config = write_config(tmp_path, oauth_server, oauth_mailbox, xoauth2_sink.url(), sqlite_url)
    assert run(config, "auth", "login").exit_code == 0
    result = run(config, "auth", "status", "--json")
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)
    assert status["identity"] == f"{oauth_mailbox.user}@example.nhs.test"
    assert 3000 < status["expires_in"] <= 3600 and status["expires_at"].endswith("+00:00")
    assert status["imap"]["ok"] and status["smtp"]["ok"], status
    assert xoauth2_sink.handler.logins == [oauth_mailbox.user]


def test_status_after_revocation_says_log_in_again(tmp_path, oauth_server, oauth_mailbox, xoauth2_sink, sqlite_url):
    oauth_server.add_client(PUBLIC_CLIENT_ID)
    oauth_server.approve_as = oauth_mailbox.user
    config = write_config(tmp_path, oauth_server, oauth_mailbox, xoauth2_sink.url(), sqlite_url)
    assert run(config, "auth", "login").exit_code == 0
    oauth_server.revoke_all()
    result = run(config, "auth", "status")
    assert result.exit_code == 3
    assert "IMAP" in result.output and "run `mln auth login` again" in result.output


def test_poll_as_a_separate_process_with_a_client_secret_from_the_environment(
    tmp_path, oauth_server, oauth_mailbox, xoauth2_sink, sqlite_url
):
    oauth_server.add_client(CLIENT_ID, secret=CLIENT_SECRET, mailbox=oauth_mailbox.user)
    config = write_config(
        tmp_path,
        oauth_server,
        oauth_mailbox,
        xoauth2_sink.url(),
        sqlite_url,
        flow="client_credentials",
        client_id=CLIENT_ID,
    )
    oauth_mailbox.append(a_message())
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLN_")}
    env[SECRET_ENV] = CLIENT_SECRET
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "--config", str(config), "poll", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["fetched"] == 1
    assert CLIENT_SECRET not in result.stdout + result.stderr
    # The secret was rotated and the old token revoked: the renewal is refused, the mail stays.
    env[SECRET_ENV] = "wrong"
    oauth_server.revoke_all()
    oauth_mailbox.append(a_message(2))
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "--config", str(config), "poll"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 3
    assert "refused this application" in result.stderr and "run `mln auth login` again" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1  # one clear line, no traceback
    assert oauth_mailbox.count("INBOX") == 1
