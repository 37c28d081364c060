"""The `mln` command group. Thin: each command parses options, calls one library
function, and prints the result. Command modules live in pipeline/commands/.
"""

from __future__ import annotations

import gc
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
        "queue",
        "reject",
        "request-changes",
        "show",
    ),
    "pipeline.commands.search": ("search",),
    "pipeline.commands.index": ("index",),
    "pipeline.commands.duplicates": ("keep-separate", "merge"),
    "pipeline.commands.worker": ("schedule", "worker"),
    "pipeline.commands.members": ("members",),
    "pipeline.commands.meetings": ("meetings",),
    "pipeline.commands.status": ("report", "status"),
    "pipeline.commands.site": ("site",),
    "pipeline.commands.web": ("web",),
    "pipeline.commands.auth": ("auth",),
    "pipeline.commands.doctor": ("doctor",),
    "pipeline.commands.held": ("held",),
    "pipeline.commands.review_tui": ("review",),
}


# One line per top-level command for `mln --help`. tests/cli/test_help.py checks each line
# against the command's own help, so the two cannot drift apart.
COMMAND_HELP: dict[str, str] = {
    "approve": "Approve submissions for the index and the bulletin (all of them, or none if one cannot be).",
    "auth": "OAuth 2.0 (NHSmail / Microsoft 365, Google): sign in, and check the sign-in.",
    "bulletin": "The bi-monthly bulletin: draft it, preview it, test it, approve it.",
    "db": "Database schema commands.",
    "demo": "Run one whole cycle on a local demo mailbox and a mail sink inside the demo: no network.",
    "doctor": "Check a configuration end to end: a checklist, with a fix for each failure.",
    "edit": "Change fields of a submission, checked as a received form would be; the change is recorded.",
    "form": "Read a completed form file as the mail intake would, and show its values and problems.",
    "held": "Everything waiting for a person: held or quarantined messages, joins to approve, possible duplicates.",
    "history": "Who did what to a submission, and when, from its arrival on.",
    "index": "The Information Index of positive practice: every approved item, by theme.",
    "init": "Write a commented mln.toml and a token secret, copy the inbox rules, create the database.",
    "keep-separate": "Clear a 'possible duplicate' mark: the submission stays a plan with its own File No.",
    "meetings": "Network meetings: the [meetings] rule (last working day of the month) and its exceptions.",
    "members": "Team leaders: each should send an improvement plan every period; some lead a theme.",
    "merge": "Make a submission the next revision of another plan (one plan, one File No).",
    "messages": "List recorded messages and what happened to each; with an ID, show one in full.",
    "outbox": "The outbox: messages waiting to be sent, sending them, and trying failures again.",
    "poll": "Read the mailbox once: file every new message by the inbox rules.",
    "quarantine": "Messages whose handling failed: list them, retry them (see also `mln held`).",
    "queue": "Submissions waiting for a decision, oldest first (or any status with --status).",
    "reject": "Reject a submission: it will not appear in the index or the bulletin.",
    "report": "Reports for the network's meetings.",
    "request-changes": "Email the sender what to change (with the form's current problems); status becomes needs_changes.",
    "review": "Go through the queue one plan at a time, as it will read in the bulletin.",
    "rules": "The inbox rules that route each message to one handler.",
    "schedule": "The scheduled jobs: period close (draft + preview), reminders, digest.",
    "search": "Search approved items (title, summary, actions, outcomes, learning, locality, organisation), best first.",
    "show": "Everything about one submission: fields, problems, source message, revisions, audit trail.",
    "site": "The static web site: bulletins and the searchable Information Index.",
    "status": "Is everything running? Last poll, what waits for you, the outbox, the next job, the last bulletin.",
    "subscribers": "Who receives the bulletin: the lists, consent, joins waiting for approval, bounces, complaints.",
    "template": "Write the blank reporting template, built from the network's name, themes and regions.",
    "web": "Serve the list endpoints and the site built by `mln site build` until Ctrl-C.",
    "worker": "Run until stopped: read mail as it arrives, send the outbox, run scheduled jobs.",
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

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As click's, but "did you mean" looks at every command, not only those imported so far."""
        name = args[0] if args else ""
        if args and not name.startswith("-") and self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            raise click.exceptions.NoSuchCommand(name, possibilities=self.list_commands(ctx), ctx=ctx)
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """As click's, but from COMMAND_HELP, so `mln --help` imports no command module (nor SQLAlchemy)."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = []
        for name in names:
            line = COMMAND_HELP.get(name)
            if line is None:  # not in the table: ask the command itself
                command = self.get_command(ctx, name)
                line = command.get_short_help_str(limit=10_000) if command else ""
            rows.append((name, _shorten(line, limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

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


def _shorten(line: str, limit: int) -> str:
    """`line` cut at a word to fit `limit`, with "..." as click does."""
    if len(line) <= limit:
        return line
    return line[: max(limit - 3, 0)].rsplit(" ", 1)[0].rstrip(",;:") + "..."


def main() -> None:
    """The `mln` program: runs one command, then the process ends."""
    try:
        cli(prog_name="mln")
    finally:
        # Ending, the interpreter runs one last garbage collection over every object the command
        # imported: ~20 ms of a 180 ms read command once psycopg is loaded (issue #23). Frozen,
        # they are not walked; everything else about exiting (flushing, atexit, closing) is as before.
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    main()
