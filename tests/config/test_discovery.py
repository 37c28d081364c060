"""Where the config comes from: no file means exit 2 naming where we looked, never silent defaults."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_settings
from pipeline.errors import ConfigError, ConfigNotFound


def mln(cwd, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MLN_")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, capture_output=True, text=True, env=environ
    )


@pytest.mark.parametrize("command", [["queue"], ["db", "upgrade"], ["poll"], ["status"], ["doctor"]])
def test_no_config_exits_2_and_leaves_no_database(tmp_path, command):
    result = mln(tmp_path, *command)

    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == (
        f"mln: no config file: no --config given, $MLN_CONFIG not set, and no {tmp_path}/mln.toml; "
        "run `mln init` to write one, or pass --config PATH"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_named_config_that_is_missing_exits_2(tmp_path):
    result = mln(tmp_path, "--config", "elsewhere.toml", "queue")
    assert result.returncode == 2 and "config file elsewhere.toml not found; run `mln init`" in result.stderr
    result = mln(tmp_path, "queue", env={"MLN_CONFIG": str(tmp_path / "gone.toml")})
    assert result.returncode == 2 and f"config file {tmp_path}/gone.toml not found" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_commands_that_touch_no_database_still_run_on_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLN_CONFIG", raising=False)

    assert CliRunner().invoke(cli, ["rules", "check"]).exit_code == 0
    assert CliRunner().invoke(cli, ["template", "--format", "txt", "-o", "blank.txt"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blank.txt"]


def test_load_settings_refuses_without_a_file_unless_told(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigNotFound):
        load_settings(None, environ={})
    assert load_settings(None, environ={}, required=False).source == "(built-in defaults)"


def write_config(tmp_path, secrets: str | None, mode: int = 0o600):
    config = tmp_path / "mln.toml"
    config.write_text('[mailbox]\npassword_env = "SITE_IMAP_PW"\n')
    if secrets is not None:
        path = tmp_path / "mln.secrets.env"
        path.write_text(secrets)
        path.chmod(mode)
    return config


def test_the_secrets_file_beside_the_config_is_read_and_the_environment_wins(tmp_path):
    config = write_config(
        tmp_path, "# secrets\nexport MLN_TOKEN_SECRET='from-the-file-0123456789'\nSITE_IMAP_PW=\"imap pw\"\n\n"
    )

    settings = load_settings(config, environ={})
    assert settings.security.token_secret == "from-the-file-0123456789"
    assert settings.mailbox.password == "imap pw"
    assert load_settings(config, environ={"SITE_IMAP_PW": "env"}).mailbox.password == "env"


def test_a_secrets_file_others_can_read_is_refused(tmp_path):
    config = write_config(tmp_path, "MLN_TOKEN_SECRET=abcdefghijklmnopqrstuvwxyz\n", mode=0o644)
    with pytest.raises(ConfigError, match=r"can be read by other users; run `chmod 600 .*mln\.secrets\.env`"):
        load_settings(config, environ={})


def test_a_malformed_secrets_line_names_file_and_line(tmp_path):
    config = write_config(tmp_path, "MLN_TOKEN_SECRET=ok-secret-0123456789\nthis is not a setting\n")
    with pytest.raises(ConfigError, match=r"mln\.secrets\.env:2: expected NAME=value"):
        load_settings(config, environ={})


def test_dns_server_comes_from_the_environment(tmp_path):
    config = write_config(tmp_path, None)
    assert load_settings(config, environ={"MLN_DNS_SERVER": "127.0.0.1:5353"}).dns.server == "127.0.0.1:5353"
