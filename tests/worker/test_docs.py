"""The example systemd units and cron line name commands that exist, with options they accept."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli

DOCS = Path(__file__).parents[2] / "docs"


def mln_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in [*sorted((DOCS / "systemd").glob("*.service")), DOCS / "cron.txt"]:
        for line in path.read_text().splitlines():
            if line.lstrip().startswith("#"):
                continue
            for match in re.finditer(r"bin/mln ([^'&>\n]+)", line):
                found.append((path.name, shlex.split(match.group(1))))
    return found


def test_the_docs_name_the_worker_poll_schedule_and_flush():
    names = {
        " ".join(arg for arg in args if not arg.startswith("-") and "/" not in arg and arg != "json")
        for _, args in mln_commands()
    }
    assert {"worker", "poll", "schedule run", "outbox flush"} <= names


@pytest.mark.parametrize("where,args", mln_commands(), ids=lambda v: v if isinstance(v, str) else " ".join(v))
def test_each_documented_command_parses(where, args):
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, f"{where}: mln {' '.join(args)}: {result.output}"


def test_the_timer_runs_the_poll_service():
    timer = (DOCS / "systemd" / "mln-poll.timer").read_text()
    assert "OnUnitActiveSec=" in timer and "[Install]" in timer
    assert "Type=oneshot" in (DOCS / "systemd" / "mln-poll.service").read_text()
