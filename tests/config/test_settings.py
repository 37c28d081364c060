"""Settings: one TOML file, environment overrides, and one clear line for every mistake."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import DEFAULT_THEMES, find_config_path, load_settings
from pipeline.errors import ConfigError


def write(tmp_path, text: str):
    path = tmp_path / "mln.toml"
    path.write_text(text)
    return path


def test_defaults_when_asked_for(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None, environ={}, required=False)
    assert settings.database.url == f"sqlite:///{tmp_path}/mln.db"
    assert settings.network.themes == DEFAULT_THEMES
    assert settings.mailbox.processed_folder == "Processed"


def test_file_then_environment(tmp_path):
    path = write(
        tmp_path,
        '[mailbox]\nurl = "imap://mln@mail.example.org/INBOX"\nbatch_size = 10\n'
        '[network]\nthemes = ["Workforce", "Primary Care"]\n',
    )
    settings = load_settings(
        path, environ={"MLN_MAILBOX_BATCH_SIZE": "25", "MLN_NETWORK_REGIONS": "North East, North West"}
    )
    assert settings.mailbox.url == "imap://mln@mail.example.org/INBOX"
    assert settings.mailbox.batch_size == 25
    assert settings.network.themes == ("Workforce", "Primary Care")
    assert settings.network.regions == ("North East", "North West")


def test_config_path_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert find_config_path(None, {}) is None
    write(tmp_path, "")
    assert str(find_config_path(None, {})) == "mln.toml"
    assert str(find_config_path(None, {"MLN_CONFIG": "/etc/mln.toml"})) == "/etc/mln.toml"
    assert str(find_config_path("given.toml", {"MLN_CONFIG": "/etc/mln.toml"})) == "given.toml"


def test_password_comes_only_from_the_named_variable_and_never_shows(tmp_path):
    path = write(tmp_path, '[mailbox]\npassword_env = "SITE_IMAP_PW"\n')
    settings = load_settings(path, environ={"SITE_IMAP_PW": "hunter2"})
    assert settings.mailbox.password == "hunter2"
    assert "hunter2" not in repr(settings)


def test_a_password_in_the_file_is_refused(tmp_path):
    path = write(tmp_path, '[mailbox]\npassword = "hunter2"\n')
    with pytest.raises(ConfigError, match="unknown key mailbox.password"):
        load_settings(path, environ={})


@pytest.mark.parametrize(
    "text, environ, expected",
    [
        ('[mailbox]\nbatch_size = "ten"\n', {}, "mailbox.batch_size in .*: expected a whole number"),
        ("[mailbox]\nbatchsize = 3\n", {}, "unknown key mailbox.batchsize"),
        ("[mailbx]\n", {}, r"unknown section \[mailbx\]"),
        ("[mailbox\n", {}, "not valid TOML"),
        ("", {"MLN_SMTP_STARTTLS": "maybe"}, "MLN_SMTP_STARTTLS \\(environment\\): expected true or false"),
    ],
)
def test_mistakes_name_the_key_and_the_file(tmp_path, text, environ, expected):
    with pytest.raises(ConfigError, match=expected):
        load_settings(write(tmp_path, text), environ=environ)


def test_cli_reports_a_bad_setting_in_one_line_with_exit_code_2(tmp_path):
    path = write(tmp_path, '[mailbox]\nbatch_size = "ten"\n')
    result = CliRunner().invoke(cli, ["--config", str(path), "poll"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "mailbox.batch_size" in result.output and str(path) in result.output


def test_missing_config_file_says_what_to_do(tmp_path):
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "nope.toml"), "poll"])
    assert result.exit_code == 2
    assert "run `mln init`" in result.output


def test_months_per_issue_must_divide_the_year(tmp_path):
    assert load_settings(write(tmp_path, "[network]\nmonths_per_issue = 3\n"), environ={}).network.months_per_issue == 3
    with pytest.raises(ConfigError, match="must divide 12"):
        load_settings(write(tmp_path, "[network]\nmonths_per_issue = 5\n"), environ={})
