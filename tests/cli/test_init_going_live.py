"""`mln init` for going live: the From address is the shared mailbox, a token secret in a 0600 file, then doctor."""

from __future__ import annotations

import json
import stat

from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_settings


def init(*args: str):
    return CliRunner().invoke(cli, ["init", *args])


def test_the_from_address_and_its_tags_come_back_to_the_shared_mailbox(tmp_path):
    result = init("--dir", str(tmp_path), "--shared-mailbox", "mln@trust.nhs.uk", "--network-name", 'The "North" MLN')

    assert result.exit_code == 0, result.output
    settings = load_settings(tmp_path / "mln.toml", {})
    assert settings.smtp.from_address == settings.smtp.reply_to == settings.network.shared_address == "mln@trust.nhs.uk"
    assert settings.network.name == 'The "North" MLN'
    assert "confirmations (mln+confirm-...@trust.nhs.uk), unsubscribes (+unsubscribe-) and bounces" in result.output


def test_a_token_secret_is_written_0600_and_kept_on_a_second_run(tmp_path):
    init("--dir", str(tmp_path), "--no-doctor")
    secrets = tmp_path / "mln.secrets.env"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    secret = load_settings(tmp_path / "mln.toml", {}).security.token_secret
    assert len(secret) >= 32

    again = init("--dir", str(tmp_path), "--force", "--no-doctor")

    assert "kept the token secret in" in again.output
    assert load_settings(tmp_path / "mln.toml", {}).security.token_secret == secret


def test_init_ends_with_doctor_without_a_probe(tmp_path):
    result = init("--dir", str(tmp_path), "--smtp", "smtp://127.0.0.1:1")

    assert result.exit_code == 0
    assert "mln doctor (no probe mail yet):" in result.output
    assert "✓ database:" in result.output and "✓ token secret:" in result.output
    assert "✗ SMTP login: cannot connect to SMTP server 127.0.0.1:1" in result.output
    assert "- probe mail comes back: not sent here" in result.output
    assert "fix what failed, then run `mln doctor`" in result.output


def test_json_and_no_doctor(tmp_path):
    quiet = json.loads(init("--dir", str(tmp_path / "a"), "--json", "--no-doctor").output)
    assert quiet["doctor"] is None and quiet["secret_written"] is True
    assert quiet["from_address"] == "mln@example.org"

    checked = json.loads(init("--dir", str(tmp_path / "b"), "--json", "--smtp", "smtp://127.0.0.1:1").output)
    assert {c["name"]: c["status"] for c in checked["doctor"]}["token secret"] == "pass"


def test_port_587_means_starttls(tmp_path):
    init(
        "--dir",
        str(tmp_path),
        "--smtp",
        "smtp://smtp.office365.com:587",
        "--smtp-user",
        "mln@trust.nhs.uk",
        "--no-doctor",
    )
    settings = load_settings(tmp_path / "mln.toml", {})
    assert settings.smtp.starttls is True and settings.smtp.user == "mln@trust.nhs.uk"


def test_a_tagged_or_malformed_shared_address_is_refused(tmp_path):
    for bad in ("mln+x@trust.nhs.uk", "not-an-address"):
        result = init("--dir", str(tmp_path), "--shared-mailbox", bad)
        assert result.exit_code == 1 and "is not a plain mailbox address" in result.output
    assert not (tmp_path / "mln.toml").exists()


def test_in_a_terminal_it_asks_for_what_is_not_given(tmp_path, monkeypatch):
    import pipeline.commands.setup as setup_commands

    monkeypatch.setattr(setup_commands, "interactive", lambda: True)
    answers = "mln@trust.nhs.uk\nimaps://mln%40trust.nhs.uk@mail.trust.nhs.uk/INBOX\n\n"

    result = CliRunner().invoke(cli, ["init", "--dir", str(tmp_path), "--no-doctor"], input=answers)

    assert result.exit_code == 0, result.output
    assert "Shared mailbox address (bulletins go out From it) [mln@example.org]:" in result.output
    settings = load_settings(tmp_path / "mln.toml", {})
    assert settings.smtp.from_address == "mln@trust.nhs.uk"
    assert settings.mailbox.url == "imaps://mln%40trust.nhs.uk@mail.trust.nhs.uk/INBOX"
    assert settings.smtp.url == "smtp://127.0.0.1:25"  # the default, taken with Enter
