"""The `mln` command group. Thin: each command parses options, calls one library
function, and prints the result. Command modules live in pipeline/commands/.
"""
from __future__ import annotations

import importlib
import logging
import sys

import click

from . import logs
from .config import Settings, load_settings
from .errors import MlnError

# Each module defines `register(group)`. Add a module here to add its commands.
COMMAND_MODULES = [
    "pipeline.commands.setup",
    "pipeline.commands.intake",
    "pipeline.commands.rules",
    "pipeline.commands.outbox",
    "pipeline.commands.subscribers",
    "pipeline.commands.bulletin",
    "pipeline.commands.bulletin_send",  # adds `send` to the bulletin group: keep after it
    "pipeline.commands.template",
    "pipeline.commands.review",
    "pipeline.commands.worker",
    "pipeline.commands.members",
    "pipeline.commands.status",
    "pipeline.commands.site",
    "pipeline.commands.web",
    "pipeline.commands.auth",
]


class AppContext:
    """Settings are read lazily, so `mln --help` and `mln init` work without a config file."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings


class MlnGroup(click.Group):
    """Turns our own exceptions into one line on stderr and a meaningful exit code."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except MlnError as exc:
            click.echo(f"mln: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=MlnGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", metavar="PATH", help="Config file (default: $MLN_CONFIG, else ./mln.toml).")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Log line format.")
@click.option("--log-file", metavar="PATH", help="Write logs to this file instead of stderr.")
@click.option("-v", "--verbose", count=True, help="More log detail (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, log_format: str, log_file: str | None, verbose: int) -> None:
    """MLN Bulletin: reporting templates in by email, a reviewed bulletin out.

    \b
    Examples:
      mln init                 write mln.toml and create the database
      mln poll                 read the mailbox once and file every new message
      mln messages --json      what came in, and what happened to it
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logs.configure(level=level, fmt=log_format, path=log_file)
    ctx.obj = AppContext(config_path)


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(cli)


def main() -> None:
    cli(prog_name="mln")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
