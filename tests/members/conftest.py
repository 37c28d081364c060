"""Members tests: settings on a fresh database (SQLite and PostgreSQL), and submissions put in directly."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_settings

HERE = Path(__file__).parent


@pytest.fixture
def settings(db_url, tmp_path):
    config = tmp_path / "mln.toml"
    config.write_text(
        f'[database]\nurl = "{db_url}"\n'
        f'[paths]\noutbox_dir = "{tmp_path}/outbox"\n'
        '[schedule]\ncommunications_lead = "comms@example.org"\nreminder_days_before = 14\n'
    )
    return load_settings(config, {})


@pytest.fixture
def mln(settings):
    """`mln --config ... ARGS` through click's runner; returns the result."""
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["--config", settings.source, *args], catch_exceptions=False)

    return run
