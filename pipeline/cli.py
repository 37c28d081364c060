"""The `mln` command group. Thin: each command parses options, calls one library
function, and prints the result. Command modules live in pipeline/commands/.
"""

from __future__ import annotations

import importlib
import logging

import click

from pipeline import logs
from pipeline.commands.context import AppContext
from pipeline.errors import MlnError

# Each module defines `register(group)`; this table says which top-level commands it
# adds, so a command's module is imported only when that command runs (`mln queue`
# need not import the bulletin renderer and its CSS inliner). A module that adds to
# another's group (bulletin_send adds `send` to `bulletin`) is listed after it.
# tests/cli/test_help.py checks the table against what the modules really register.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "pipeline.commands.setup": ("db", "demo", "init"),
    "pipeline.commands.intake": ("messages", "poll", "quarantine"),
    "pipeline.commands.rules": ("rules",),
    "pipeline.commands.outbox": ("outbox",),
    "pipeline.commands.subscribers": ("subscribers",),
    "pipeline.commands.bulletin": ("bulletin",),
    "pipeline.commands.bulletin_send": ("bulletin",),
    "pipeline.commands.template": ("form", "template"),
    "pipeline.commands.review": (
        "approve",
        "edit",
        "history",
        "index",
        "queue",
        "reject",
        "request-changes",
        "search",
        "show",
    ),
    "pipeline.commands.worker": ("schedule", "worker"),
    "pipeline.commands.members": ("members",),
    "pipeline.commands.status": ("report", "status"),
    "pipeline.commands.site": ("site",),
    "pipeline.commands.web": ("web",),
    "pipeline.commands.auth": ("auth",),
}


class MlnGroup(click.Group):
    """Turns our own exceptions into one line on stderr and a meaningful exit code,
    and imports each command's module on first use (see COMMAND_MODULES)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({name for names in COMMAND_MODULES.values() for name in names} | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            for module, names in COMMAND_MODULES.items():
                if cmd_name in names:
                    importlib.import_module(module).register(self)
        return self.commands.get(cmd_name)

    def load_all(self) -> MlnGroup:
        """Register every command now (for tests and tools that walk the tree)."""
        ctx = click.Context(self)
        for name in self.list_commands(ctx):
            self.get_command(ctx, name)
        return self

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except MlnError as exc:
            click.echo(f"mln: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=MlnGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", metavar="PATH", help="Config file (default: $MLN_CONFIG, else ./mln.toml).")
@click.option(
    "--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Log line format."
)
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


def main() -> None:
    cli(prog_name="mln")


if __name__ == "__main__":  # pragma: no cover
    main()
