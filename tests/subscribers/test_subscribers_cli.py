"""`mln subscribers ...` through click against a real database."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from pipeline.cli import cli

COMMANDS = [
    "list",
    "add",
    "import",
    "export",
    "remove",
    "forget",
    "pending",
    "approve",
    "bounces",
    "show",
    "complaints",
    "suppress",
    "suppressed",
]


@pytest.fixture
def run(db_url, tmp_path):
    config = tmp_path / "mln.toml"
    config.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")

    def invoke(*args):
        return CliRunner().invoke(cli, ["--config", str(config), "subscribers", *args], catch_exceptions=False)

    return invoke


def test_add_list_remove_forget(run, tmp_path):
    assert (
        run("add", "ann@example.org", "--list", "internal", "--name", "Ann Example").output.strip()
        == "ann@example.org: added (internal)"
    )
    assert run("add", "bob@example.org", "--list", "external").exit_code == 0
    rows = json.loads(run("list", "--json").output)
    assert [(r["email"], r["lists"], r["status"]) for r in rows] == [
        ("ann@example.org", ["internal"], "active"),
        ("bob@example.org", ["external"], "active"),
    ]
    assert json.loads(run("list", "--list", "external", "--json").output)[0]["email"] == "bob@example.org"
    assert "Ann Example" in run("list").output
    assert "unsubscribed" in run("remove", "bob@example.org").output
    assert json.loads(run("list", "--status", "unsubscribed", "--json").output)[0]["email"] == "bob@example.org"
    assert run("forget", "bob@example.org", "--yes").exit_code == 0
    result = run("add", "bob@example.org", "--list", "external")
    assert result.exit_code == 1 and "forgotten" in result.output


def test_import_and_export(run, tmp_path):
    source = tmp_path / "partners.csv"
    source.write_text(
        "email,name,organisation\nnew@example.org,New Person,Calder Carers\nnonsense,,\n", encoding="utf-8"
    )
    result = run("import", str(source), "--list", "external")
    assert "added 1, updated 0, unchanged 0, skipped 1" in result.output
    assert "line 3: nonsense: " in result.output
    out = tmp_path / "out.csv"
    assert "wrote 1 subscriber(s)" in run("export", "-o", str(out)).output
    assert "new@example.org,New Person,Calder Carers,external,active" in out.read_text()


def test_unknown_list_and_missing_subscriber_are_one_line_errors(run):
    result = run("add", "ann@example.org", "--list", "everyone")
    assert result.exit_code == 1 and "unknown list 'everyone'" in result.output
    assert run("approve", "nobody@example.org").exit_code == 1
    assert json.loads(run("bounces", "--json").output) == []
    assert json.loads(run("pending", "--json").output) == []


@pytest.mark.parametrize("command", [[], *[[c] for c in COMMANDS]])
def test_every_subscribers_command_has_help_with_an_example(command):
    result = CliRunner().invoke(cli, ["subscribers", *command, "--help"])
    assert result.exit_code == 0 and "Example" in result.output
