"""mln init, mln db upgrade, mln demo."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.commands.context import AppContext
from pipeline.commands.doctor import echo_report
from pipeline.commands.output import print_json
from pipeline.config import load_settings
from pipeline.doctor import Report, run_checks
from pipeline.setup import InitChoices, InitReport, init_project, upgrade_database
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
    help="Where to write mln.toml, mln.secrets.env, inbox_rules/ and the database.",
)
@click.option(
    "--shared-mailbox",
    "shared_address",
    metavar="ADDRESS",
    help="The shared mailbox people write to; bulletins go out From it (asked when interactive).",
)
@click.option(
    "--mailbox", "mailbox_url", metavar="URL", help="How to read it: imaps://USER@HOST/INBOX or maildir:///PATH."
)
@click.option(
    "--smtp", "smtp_url", metavar="URL", help="How mail goes out: smtp://HOST:587 (STARTTLS), smtps://HOST:465."
)
@click.option("--smtp-user", metavar="USER", help="The SMTP login, if the server wants one.")
@click.option(
    "--database", "database_url", metavar="URL", help="sqlite:///mln.db (default) or postgresql+psycopg://..."
)
@click.option("--network-name", metavar="NAME", help="The network's name, as bulletins show it.")
@click.option("--force", is_flag=True, help="Overwrite an existing mln.toml.")
@click.option("--no-doctor", is_flag=True, help="Do not run `mln doctor` at the end.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (asks nothing).")
def init(
    directory: Path,
    shared_address: str | None,
    mailbox_url: str | None,
    smtp_url: str | None,
    smtp_user: str | None,
    database_url: str | None,
    network_name: str | None,
    force: bool,
    no_doctor: bool,
    as_json: bool,
) -> None:
    """Write a commented mln.toml and a token secret, copy the inbox rules, create the database.

    The From address of bulletins is the shared mailbox itself, so replies,
    confirmations (+confirm-), mailto unsubscribes (+unsubscribe-) and bounces
    (+bounce-) all come back into the mailbox that is polled. The token secret
    goes into mln.secrets.env (mode 0600) beside mln.toml. Ends with `mln doctor`
    (without the probe mail, which `mln doctor` sends when run on its own).
    Asks for what is not given when run in a terminal.

    \b
    Examples:
      mln init
      mln init --dir /srv/mln --shared-mailbox mln@trust.nhs.uk \\
        --mailbox imaps://mln%40trust.nhs.uk@mail.trust.nhs.uk/INBOX --smtp smtp://relay.trust.nhs.uk:25
    """
    asked = {
        "shared_address": shared_address,
        "mailbox_url": mailbox_url,
        "smtp_url": smtp_url,
        "smtp_user": smtp_user,
        "database_url": database_url,
        "network_name": network_name,
    }
    if not as_json and interactive():
        asked = _ask(asked)
    choices = InitChoices(**{key: value for key, value in asked.items() if value is not None})
    report = init_project(directory, force=force, choices=choices)
    checks = None if no_doctor else run_checks(load_settings(report.config_path), probe=False)
    if as_json:
        print_json({**report.__dict__, "doctor": None if checks is None else [c.__dict__ for c in checks]})
        return
    _echo_init(report)
    if checks is not None:
        click.echo("\nmln doctor (no probe mail yet):")
        echo_report(Report(report.config_path, checks))
        click.echo("fix what failed, then run `mln doctor` (it also sends a probe mail)")


def interactive() -> bool:
    return sys.stdin.isatty()


_QUESTIONS = {
    "shared_address": ("Shared mailbox address (bulletins go out From it)", InitChoices.shared_address),
    "mailbox_url": ("How to read it (imaps://USER@HOST/INBOX, maildir:///PATH)", InitChoices.mailbox_url),
    "smtp_url": ("How mail goes out (smtp://HOST:587, smtps://HOST:465)", InitChoices.smtp_url),
}


def _ask(given: dict[str, str | None]) -> dict[str, str | None]:
    answers = dict(given)
    for key, (question, default) in _QUESTIONS.items():
        if answers[key] is None:
            answers[key] = click.prompt(question, default=default)
    return answers


def _echo_init(report: InitReport) -> None:
    click.echo(f"{'wrote' if report.config_written else 'kept existing'} {report.config_path}")
    if report.rules_copied:
        click.echo(f"copied {report.rules_copied} inbox rule files to {report.rules_dir}")
    click.echo(f"database ready: {report.database}")
    local, _, domain = report.from_address.partition("@")
    click.echo(
        f"bulletins go out From {report.from_address}; confirmations ({local}+confirm-...@{domain}), "
        f"unsubscribes (+unsubscribe-) and bounces (+bounce-) come back to it: make sure its mail, "
        "tags included, is delivered to the polled mailbox"
    )
    secret = "wrote a new token secret to" if report.secret_written else "kept the token secret in"
    click.echo(f"{secret} {report.secrets_file} (mode 0600; MLN_TOKEN_SECRET in the environment wins over it)")
    click.echo("next: edit mln.toml, then run `mln rules check` and `mln doctor`")


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
    help="Folder for the demo's config, Maildir, database, sent mail, outbox and site.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def demo(directory: Path, as_json: bool) -> None:
    """Run one whole cycle on a local demo mailbox and a mail sink inside the demo: no network.

    Seeds a Maildir with the sample messages (submissions, a plan sent three
    times, template and join requests, a bounce, an out-of-office reply, a
    broken message) and polls it; each person who asked to join replies to the
    confirmation; a communications lead approves, rejects and asks for changes;
    the period's bulletin is drafted, approved and sent to both lists; the site
    is built. The mail goes to an SMTP server inside this run that saves each
    message in DIR/sent (without aiosmtpd installed, it waits in DIR/outbox).
    Running it again starts afresh.

    \b
    Example:
      mln demo --dir /tmp/mln-demo
    """
    from pipeline.demo import run_demo

    report = run_demo(directory)
    if as_json:
        print_json(report)
        return
    from pipeline.commands.demo_output import echo_demo

    echo_demo(report)
