"""`mln bulletin ...` through click's CliRunner, and once through a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from pipeline.cli import cli

from .records import add_submission, at, edit_submission


@pytest.fixture
def config(db_url, tmp_path):
    path = tmp_path / "mln.toml"
    path.write_text(f'[database]\nurl = "{db_url}"\n', encoding="utf-8")
    return path


@pytest.fixture
def run(config):
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, ["--config", str(config), "bulletin", *args], catch_exceptions=False)

    return invoke


def test_draft_preview_approve(run, db_url, tmp_path):
    shared = add_submission(db_url, "Education package for care homes", at(2026, 11, 3))
    add_submission(db_url, "Ward leave leaflet", at(2026, 12, 3), share=False, theme="In Patient Services")
    intro = tmp_path / "intro.md"
    intro.write_text("Welcome to the **first** issue.\n\n<script>alert(1)</script>\n", encoding="utf-8")

    result = run("draft", "--period", "2026-11", "--intro", str(intro))
    assert result.exit_code == 0, result.output
    assert "No. 1, November–December 2026: 2 new item(s), 0 update(s)" in result.output

    listed = json.loads(run("list", "--json").output)
    assert [(b["number"], b["status"], b["items"]) for b in listed] == [(1, "draft", 2)]
    bulletin_id = str(listed[0]["id"])

    out = tmp_path / "external.html"
    result = run("preview", bulletin_id, "--audience", "external", "-o", str(out))
    assert result.exit_code == 0 and "MLN Bulletin No. 1" in result.output
    html = out.read_text(encoding="utf-8")
    assert "Education package for care homes" in html and "Ward leave leaflet" not in html
    assert "<strong>first</strong>" in html and "&lt;script&gt;" in html

    text = run("preview", bulletin_id, "--text").output
    assert "Ward leave leaflet" in text and "At a glance\n-----------" in text

    intro.write_text("A *new* introduction.\n", encoding="utf-8")
    edited = run("edit", bulletin_id, "--intro", str(intro), "--json")
    assert edited.exit_code == 0 and json.loads(edited.output)["id"] == int(bulletin_id)
    assert "A <em>new</em> introduction." in run("preview", bulletin_id).output

    add_submission(db_url, "Approved after the draft", at(2026, 12, 20))
    result = run("approve", bulletin_id, "--as", "comms-lead")
    assert result.exit_code == 0 and "Approved bulletin" in result.output
    assert "1 item(s) of this period were approved after the draft" in result.output
    assert run("edit", bulletin_id, "--intro", str(intro)).exit_code == 1
    edit_submission(db_url, shared, title="Edited later")
    assert "Edited later" not in run("preview", bulletin_id, "--audience", "external").output


def test_errors_are_one_line_with_exit_code_1(run, db_url):
    missing = run("preview", "42")
    assert missing.exit_code == 1 and missing.output.strip() == "mln: no bulletin with id 42; see `mln bulletin list`"
    bad = run("draft", "--period", "November")
    assert bad.exit_code == 1 and "is not a month like 2026-11" in bad.output
    usage = run("preview", "1", "--audience", "everyone")
    assert usage.exit_code == 2
    add_submission(db_url, "One item", at(2026, 11, 3))
    bulletin_id = str(json.loads(run("draft", "--period", "2026-11", "--json").output)["id"])
    assert run("approve", bulletin_id, "--as", "comms-lead").exit_code == 0
    again = run("approve", bulletin_id)
    assert again.exit_code == 1 and "already approved (approved by comms-lead at" in again.output


@pytest.mark.parametrize("args", [[], ["draft"], ["list"], ["preview"], ["edit"], ["approve"]])
def test_every_command_has_help_with_an_example(args):
    result = CliRunner().invoke(cli, ["bulletin", *args, "--help"])
    assert result.exit_code == 0 and "Example" in result.output


def test_subprocess_happy_path(config, db_url):
    add_submission(db_url, "Education package for care homes", at(2026, 11, 3))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MLN_")}
    mln = [sys.executable, "-m", "pipeline.cli", "--config", str(config), "bulletin"]
    drafted = subprocess.run(
        [*mln, "draft", "--period", "2026-11", "--json"], env=env, capture_output=True, text=True, check=True
    )
    bulletin_id = str(json.loads(drafted.stdout)["id"])
    approved = subprocess.run(
        [*mln, "approve", bulletin_id, "--json"], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(approved.stdout)["status"] == "approved"
    listed = subprocess.run([*mln, "list", "--json"], env=env, capture_output=True, text=True, check=True)
    assert json.loads(listed.stdout)[0]["approved_by"]
