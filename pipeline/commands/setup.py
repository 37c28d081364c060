"""mln init, mln db upgrade, mln demo."""

from __future__ import annotations

from pathlib import Path

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json
from pipeline.setup import init_project, upgrade_database
from pipeline.store import db


def register(cli: click.Group) -> None:
    cli.add_command(init)
    cli.add_command(database)
    cli.add_command(demo)


@click.command()
@click.option(
    "--dir",
    "directory",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    show_default=True,
    help="Where to write mln.toml, inbox_rules/ and the database.",
)
@click.option(
    "--mailbox",
    "mailbox_url",
    default="maildir://./mailbox",
    show_default=True,
    help="The mailbox URL to put in mln.toml.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing mln.toml.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def init(directory: Path, mailbox_url: str, force: bool, as_json: bool) -> None:
    """Write a commented mln.toml, copy the inbox rules, and create the database.

    \b
    Examples:
      mln init
      mln init --dir /srv/mln --mailbox imaps://mln@mail.example.org/INBOX
    """
    report = init_project(directory, mailbox_url=mailbox_url, force=force)
    if as_json:
        print_json(report.__dict__)
        return
    click.echo(f"{'wrote' if report.config_written else 'kept existing'} {report.config_path}")
    if report.rules_copied:
        click.echo(f"copied {report.rules_copied} inbox rule files to {report.rules_dir}")
    click.echo(f"database ready: {report.database}")
    click.echo("next: edit mln.toml, then run `mln rules check` and `mln poll`")


@click.group("db")
def database() -> None:
    """Database schema commands.

    \b
    Example:
      mln db upgrade
    """


@database.command("upgrade")
@click.pass_obj
def db_upgrade(app: AppContext) -> None:
    """Apply every pending migration (safe to run again).

    \b
    Example:
      MLN_DATABASE_URL=postgresql+psycopg://mln@db/mln mln db upgrade
    """
    url = app.settings.database.url
    upgrade_database(url)
    click.echo(f"{db.redact_url(url)} is at revision {db.current_revision(url)}")


@click.command()
@click.option(
    "--dir",
    "directory",
    default="demo",
    type=click.Path(file_okay=False, path_type=Path),
    show_default=True,
    help="Folder for the demo's config, Maildir, database and outbox.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def demo(directory: Path, as_json: bool) -> None:
    """Run the whole intake on a local demo mailbox: no network, SQLite, outbox on disk.

    Seeds a Maildir with sample messages (submissions, a template request, a
    join request, a bounce, an out-of-office reply, a broken message), polls it
    once, and shows what happened. Running it again starts afresh.

    \b
    Example:
      mln demo --dir /tmp/mln-demo
    """
    from pipeline.demo import run_demo

    report = run_demo(directory)
    if as_json:
        print_json(report)
        return
    from pipeline.commands.intake import echo_poll_summary
    from pipeline.commands.output import print_table

    click.echo(f"demo folder: {report['directory']}  (config: {report['config']})")
    click.echo(f"seeded {report['seeded']} sample messages into {report['mailbox']}")
    echo_poll_summary(report["poll"])
    click.echo("\nMessages:")
    print_table(
        report["messages"],
        [("id", "ID"), ("from", "From"), ("subject", "Subject"), ("rule", "Rule"), ("outcome", "Outcome")],
        40,
    )
    from pipeline.commands.review import QUEUE_COLUMNS, for_table

    click.echo("\nReview queue (mln queue --status all):")
    print_table([for_table(row) for row in report["queue"]], QUEUE_COLUMNS, 40)
    click.echo(f"\nOutbox: {report['outbox_files']} message(s) spooled in {report['outbox']}")
    click.echo("Try: mln --config " + report["config"] + " messages   |   ... rules explain FILE.eml")
