"""`mln outbox status|flush|retry` end to end through click, against a real sink."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from outbox.outbox_helpers import make_settings, queue

from pipeline.cli import cli


@pytest.fixture
def cli_env(db_url, tmp_path, smtp_sink):
    config = tmp_path / "mln.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n\n[smtp]\nurl = "{smtp_sink.url()}"\ntimeout = 5.0\n\n[paths]\noutbox_dir = "outbox"\n',
        encoding="utf-8",
    )
    settings = make_settings(db_url, tmp_path, smtp_sink.url())

    def run(*args):
        return CliRunner().invoke(cli, ["--config", str(config), "outbox", *args], catch_exceptions=False)

    return settings, run


def test_status_flush_retry(cli_env, smtp_sink):
    settings, run = cli_env
    smtp_sink.fail_rcpt["gone@example.org"] = "550 5.1.1 no such user"
    queue(settings, ["ann@example.org", "gone@example.org", "bob@example.org"])

    status = json.loads(run("status", "--json").output)
    assert status["counts"] == {"queued": 3} and status["due_now"] == 3 and status["unspooled"] == 3
    assert status["in_flight"] == 0

    flushed = run("flush")
    assert flushed.exit_code == 0, flushed.output
    assert "sent 2, deferred 0, failed 1 (1 connection)" in flushed.output
    assert "refused: gone@example.org: 550" in flushed.output

    status = json.loads(run("status", "--json").output)
    assert status["counts"] == {"sent": 2, "failed": 1}
    assert status["recent_failures"][0]["recipient"] == "gone@example.org"
    assert "no such user" in run("status").output

    smtp_sink.fail_rcpt.clear()
    assert json.loads(run("retry", "--json").output) == {"failed_requeued": 1, "deferred_made_due": 0}
    again = json.loads(run("flush", "--json").output)
    assert again["sent"] == 1 and again["stopped"] == ""
    assert sorted(smtp_sink.recipients()) == ["ann@example.org", "bob@example.org", "gone@example.org"]


def test_flush_with_server_down_exits_3_and_keeps_the_queue(db_url, tmp_path):
    from fixtures.smtp import free_port

    config = tmp_path / "mln.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n\n[smtp]\nurl = "smtp://127.0.0.1:{free_port()}"\n', encoding="utf-8"
    )
    queue(make_settings(db_url, tmp_path), ["ann@example.org"])
    result = CliRunner().invoke(cli, ["--config", str(config), "outbox", "flush"])
    assert result.exit_code == 3
    assert "cannot connect to SMTP server" in result.output
    status = CliRunner().invoke(cli, ["--config", str(config), "outbox", "status", "--json"])
    assert json.loads(status.output)["counts"] == {"queued": 1}


@pytest.mark.parametrize("command", [[], ["status"], ["flush"], ["retry"]])
def test_every_outbox_command_has_help_with_an_example(command):
    result = CliRunner().invoke(cli, ["outbox", *command, "--help"])
    assert result.exit_code == 0 and "Example" in result.output
