"""Every command explains itself, with an example."""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from pipeline.cli import cli


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        path = prefix + (name,)
        yield path, command
        if isinstance(command, click.Group):
            yield from all_commands(command, path)


COMMANDS = list(all_commands(cli))


def test_there_are_commands():
    assert len(COMMANDS) > 10


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`mln {' '.join(path)} --help` shows no example"
    command = dict(COMMANDS)[path]
    assert (command.help or "").strip(), f"`mln {' '.join(path)}` has no description"


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
