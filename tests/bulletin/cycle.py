"""A bulletin cycle from the command line, on a real database and SMTP sink: the config and helpers."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from pipeline.cli import cli
from pipeline.config import load_settings
from pipeline.people import subscribers as subs
from pipeline.store import db
from pipeline.store.models import Outgoing

SECRET = {"MLN_TOKEN_SECRET": "test-secret-0123456789abcdef"}


def write_config(tmp_path, db_url, smtp_url, extra: str = "") -> object:
    path = tmp_path / "mln.toml"
    path.write_text(
        f'[database]\nurl = "{db_url}"\n[paths]\noutbox_dir = "{tmp_path}/outbox"\n'
        f'[smtp]\nurl = "{smtp_url}"\nfrom_address = "bulletin@example.org"\n'
        '[network]\ntimezone = "Europe/London"\n'
        "[schedule]\nsend_approved = true\nreminders = false\ndraft_on_close = false\n" + extra,
        encoding="utf-8",
    )
    return path


def settings_of(config):
    settings = load_settings(config, SECRET)
    with db.transaction(settings.database.url) as session:
        if not subs.find(session, "partner@example.org"):
            subs.add(session, settings, "partner@example.org", "external", via="cli")
            subs.add(session, settings, "member@example.nhs.test", "internal", via="cli")
    return settings


def mln(config, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config), *args], env=SECRET)


def copies(settings) -> list[tuple[str, str]]:
    with db.transaction(settings.database.url, readonly=True) as session:
        return sorted(tuple(r) for r in session.execute(select(Outgoing.recipient, Outgoing.status)))
