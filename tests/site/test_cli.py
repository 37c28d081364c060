"""`mln site build` and `mln web` through the real command line."""

from __future__ import annotations

import json

from click.testing import CliRunner

from pipeline.cli import cli

from .seed import seed


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_site_build_prints_what_it_wrote(settings, tmp_path):
    seed(settings)
    out = tmp_path / "public"
    result = run("--config", settings.source, "site", "build", "-o", str(out), "--audience", "external", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["audience"] == "external" and report["items"] == 4 and report["bulletins"] == 1
    assert "items/CH-2026-001.html" in report["written"]
    again = run("--config", settings.source, "site", "build", "-o", str(out), "--audience", "external")
    assert "0 file(s) written" in again.output


def test_commands_have_help_with_an_example():
    for args in (["site", "build", "--help"], ["web", "--help"], ["site", "--help"]):
        result = run(*args)
        assert result.exit_code == 0 and "Example" in result.output


def test_web_refuses_a_folder_without_a_site(settings, tmp_path):
    result = CliRunner().invoke(cli, ["--config", settings.source, "web", "--dir", str(tmp_path / "nothing")])
    assert result.exit_code != 0
    assert "mln site build" in result.output


def test_site_build_and_web_default_to_the_configured_folder(settings, tmp_path):
    seed(settings, bulletin=False)
    result = run("--config", settings.source, "site", "build")
    assert result.exit_code == 0 and "0 bulletin(s)" in result.output
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")  # [web] site_dir, beside mln.toml
    assert "No bulletin has been published yet." in home
