"""`mln init` sets up a working folder: config, editable rules, database."""

from __future__ import annotations

from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_settings
from pipeline.intake.rule_files import load_rules


def test_init_writes_config_rules_and_database(tmp_path):
    result = CliRunner().invoke(cli, ["init", "--dir", str(tmp_path)])

    assert result.exit_code == 0, result.output
    settings = load_settings(tmp_path / "mln.toml", {})
    assert settings.database.url == f"sqlite:///{tmp_path}/mln.db"
    assert (tmp_path / "mln.db").exists()
    assert len(load_rules(settings.rules_path)) >= 8
    assert settings.rules_path == tmp_path / "inbox_rules"
    assert "next: edit mln.toml" in result.output


def test_init_keeps_an_existing_config_unless_forced(tmp_path):
    (tmp_path / "mln.toml").write_text('[network]\nname = "North East MLN"\n')

    CliRunner().invoke(cli, ["init", "--dir", str(tmp_path)])
    assert load_settings(tmp_path / "mln.toml", {}).network.name == "North East MLN"

    CliRunner().invoke(cli, ["init", "--dir", str(tmp_path), "--force"])
    assert load_settings(tmp_path / "mln.toml", {}).network.name != "North East MLN"


def test_starter_config_is_commented_and_loads_with_every_env_override(tmp_path):
    CliRunner().invoke(cli, ["init", "--dir", str(tmp_path)])
    text = (tmp_path / "mln.toml").read_text()
    assert text.count("#") > 15
    settings = load_settings(tmp_path / "mln.toml", {"MLN_DATABASE_URL": "sqlite:////tmp/other.db"})
    assert settings.database.url == "sqlite:////tmp/other.db"
