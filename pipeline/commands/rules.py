"""mln rules check / list / explain."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json, print_table
from pipeline.intake.actions import mailbox_target
from pipeline.intake.rule_files import check_rules, load_rules
from pipeline.intake.rules import route
from pipeline.mail import parse_mail


def register(cli: click.Group) -> None:
    cli.add_command(rules)


@click.group()
def rules() -> None:
    """The inbox rules that route each message to one handler.

    \b
    Examples:
      mln rules check
      mln rules explain tests/messages/dsn-bounce.eml
    """


@rules.command("check")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Rules folder (default: paths.rules_dir).",
)
@click.pass_obj
def rules_check(app: AppContext, directory: Path | None) -> None:
    """Validate every rules file; problems name the file and the line. Exit 1 if any.

    \b
    Example:
      mln rules check --dir ./inbox_rules
    """
    found, problems = check_rules(directory or app.settings.rules_path)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        raise click.exceptions.Exit(1)
    click.echo(f"{len(found)} rules OK in {directory or app.settings.rules_path}")


@rules.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def rules_list(app: AppContext, as_json: bool) -> None:
    """The rules in the order they are tried.

    \b
    Example:
      mln rules list
    """
    rows = [
        {
            "name": r.name,
            "handler": r.handler or "-",
            "stop": r.stop,
            "move_to": r.move_to or "(default)",
            "where": f"{Path(r.file).name}:{r.line}",
            "description": r.description,
        }
        for r in load_rules(app.settings.rules_path)
    ]
    print_json(rows) if as_json else print_table(
        rows,
        [
            ("where", "File"),
            ("name", "Rule"),
            ("handler", "Handler"),
            ("move_to", "Moves to"),
            ("description", "What it is for"),
        ],
    )


@rules.command("explain")
@click.argument("message", type=click.File("rb"))
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_obj
def rules_explain(app: AppContext, message: BinaryIO, as_json: bool) -> None:
    """Show each rule in order for one .eml file: matched or not, why, and the action.

    \b
    Example:
      mln rules explain tests/messages/out-of-office.eml
    """
    mail = parse_mail(message.read())
    routing = route(load_rules(app.settings.rules_path), mail)
    target = mailbox_target(app.settings, "processed", routing.rule) or "(stays in the inbox)"
    if as_json:
        print_json(
            {
                "rules": [
                    {"rule": t.rule.name, "matched": t.matched, "decided": t.decided, "reasons": t.reasons}
                    for t in routing.traces
                ],
                "decided_by": routing.rule.name,
                "handler": routing.handler,
                "move_to": target,
                "flags": list(routing.flags),
                "options": routing.options,
            }
        )
        return
    click.echo(f"From: {mail.from_addr}  Subject: {mail.subject}")
    for trace in routing.traces:
        mark = "DECIDES" if trace.decided else ("matched" if trace.matched else "no")
        click.echo(f"\n[{mark}] {trace.rule.name}  ({Path(trace.rule.file).name}:{trace.rule.line})")
        for reason in trace.reasons:
            click.echo(f"    {reason}")
    click.echo(
        f"\n=> handler {routing.handler} (rule {routing.rule.name}); then move to {target}"
        + (f"; flags {' '.join(routing.flags)}" if routing.flags else "")
    )
