"""Every command explains itself, with an example."""

from __future__ import annotations

import importlib
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from pipeline.cli import COMMAND_HELP, COMMAND_MODULES, cli


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        path = prefix + (name,)
        yield path, command
        if isinstance(command, click.Group):
            yield from all_commands(command, path)


COMMANDS = list(all_commands(cli.load_all()))


def test_there_are_commands():
    assert len(COMMANDS) > 10


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=[" ".join(p) for p, _ in COMMANDS])
def test_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`mln {' '.join(path)} --help` shows no example"
    command = dict(COMMANDS)[path]
    assert (command.help or "").strip(), f"`mln {' '.join(path)}` has no description"


def test_the_lazy_command_table_names_what_each_module_registers():
    for module, names in COMMAND_MODULES.items():
        group = click.Group()
        if module.endswith("bulletin_send"):  # adds `send` to the bulletin group
            group.add_command(click.Group("bulletin"))
        importlib.import_module(module).register(group)
        assert sorted(group.commands) == sorted(names), module
        if module.endswith("bulletin_send"):
            assert "send" in group.commands["bulletin"].commands


def test_the_help_table_says_what_each_command_says_of_itself():
    ctx = click.Context(cli)
    own = {name: cli.get_command(ctx, name).get_short_help_str(limit=10_000) for name in cli.list_commands(ctx)}
    assert COMMAND_HELP == own


def test_mln_help_lists_every_command_without_importing_sqlalchemy():
    code = (
        "import sys; from click.testing import CliRunner; from pipeline.cli import cli;"
        "r = CliRunner().invoke(cli, ['--help']); print(r.exit_code, 'sqlalchemy' in sys.modules,"
        " any(m.startswith('pipeline.commands.') and m != 'pipeline.commands.context' for m in sys.modules));"
        "print(r.output)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    first, listing = out.split("\n", 1)
    assert first.split() == ["0", "False", "False"]
    for name in COMMAND_HELP:
        assert f"  {name} " in listing


def test_a_one_shot_command_does_not_import_the_bulletin_renderer():
    code = (
        "import sys; from click.testing import CliRunner; from pipeline.cli import cli;"
        "CliRunner().invoke(cli, ['queue', '--help']); print('premailer' in sys.modules, 'pipeline.commands.bulletin' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
