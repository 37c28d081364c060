"""What `mln demo` prints: each step of the cycle, then where to look and what to try."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from pipeline.commands.intake import echo_poll_summary
from pipeline.commands.output import print_table
from pipeline.commands.review import QUEUE_COLUMNS, for_table


def echo_demo(report: dict[str, Any]) -> None:
    config = shown(report["config"])
    click.echo(f"demo folder: {shown(report['directory'])}  (config: {config})")
    sink = report["sink"]
    if sink:
        click.echo(f"mail server: an SMTP sink at {sink['url']} inside this run; it saves what it receives")
    else:
        click.echo("mail server: none (aiosmtpd is not installed): mail stays queued in the outbox folder")

    click.echo(f"\n1. Intake: seeded {report['seeded']} sample messages into {shown(report['mailbox'])}")
    echo_poll_summary(report["poll"])
    click.echo("\nMessages:")
    print_table(
        report["messages"],
        [("id", "ID"), ("from", "From"), ("subject", "Subject"), ("rule", "Rule"), ("outcome", "Outcome")],
        40,
    )
    click.echo("\nReview queue, before any decision (mln queue --status all):")
    print_table([for_table(row) for row in report["queue"]], QUEUE_COLUMNS, 40)
    for row in report["queue"]:
        if row.get("repeats"):
            click.echo(f"  {row['file_no']} arrived {row['repeats'] + 1} times and is one File No")

    joins = report["confirmations"]
    click.echo(f"\n2. Joining by reply: {len(joins['requests'])} confirmation request(s); each person pressed Reply")
    echo_poll_summary(joins["poll"])
    print_table(
        [{**row, "lists": ", ".join(row["lists"])} for row in report["subscribers"]],
        [("email", "Email"), ("lists", "Lists"), ("status", "Status"), ("joined_via", "Joined via")],
        40,
    )

    decisions = report["decisions"]
    click.echo("\n3. Review decisions (as mln approve / reject / request-changes):")
    approved = decisions["approved"]
    click.echo(f"  approved {len(approved)}: {', '.join(r['file_no'] for r in approved)}")
    if decisions["rejected"]:
        r = decisions["rejected"]
        went = "went to" if report["sink"] else "is queued for"
        told = f"; the reason {went} {r['notified']}" if r.get("notified") else ""
        click.echo(f"  rejected {r['file_no']} {r['title']}{told}")
    if decisions["changes_requested"]:
        r = decisions["changes_requested"]
        click.echo(f"  asked {r['emailed']} for changes to {r['file_no']} {r['title']}")

    bulletin = report["bulletin"]
    draft, send = bulletin["draft"], bulletin["send"]
    click.echo(
        f"\n4. Bulletin {draft['id']} (No. {draft['number']}, {draft['period_label']}): drafted with "
        f"{draft['new']} new item(s), approved by {', '.join(bulletin['approved']['approvers'])}"
    )
    per_list = ", ".join(f"{n} {audience}" for audience, n in send["queued"].items()) or "no copies"
    click.echo(f"  queued {per_list} copies; sent {send['sent']}, deferred {send['deferred']}, failed {send['failed']}")
    if not report["sink"]:
        click.echo("  (no mail server in this run: the copies wait in the outbox)")

    for delivery in report["deliveries"]:
        if delivery["stopped"]:
            click.echo(f"  note: sending stopped: {delivery['stopped']}", err=True)

    site = report["site"]
    click.echo(f"\n5. Site: {site['items']} item(s), {site['bulletins']} bulletin(s) in {shown(site['out_dir'])}")
    _where_to_look(report)


def _where_to_look(report: dict[str, Any]) -> None:
    click.echo("\nWhere to look:")
    sink = report["sink"]
    if sink:
        click.echo(f"  mail sent:  {shown(sink['folder'])}/  ({len(sink['messages'])} .eml files, one per message)")
        for audience, files in bulletin_files(sink["messages"]).items():
            click.echo(f"  bulletin, {audience} list: {shown(files[0])}  (1 of {len(files)} copies)")
    click.echo(f"  outbox:     {shown(report['outbox'])}/  ({report['outbox_files']} message(s) still queued)")
    click.echo(f"  web site:   {shown(report['site']['out_dir'])}/index.html")
    click.echo(f"  database:   {report['database']}")
    mln = f"{mln_command()} --config {shown(report['config'])}"
    click.echo("Try:")
    for args in (
        "queue --status all",
        f"show {_repeated_plan(report['queue'])}",
        "held",
        "subscribers list",
        "bulletin list",
        "outbox status",
        "web --audience internal --dir " + shown(report["site"]["out_dir"]),
    ):
        click.echo(f"  {mln} {args}")


def _repeated_plan(queue: list[dict[str, Any]]) -> int:
    """The plan worth a look with `mln show`: one that arrived more than once, if any."""
    return next((row["id"] for row in queue if row.get("repeats")), queue[0]["id"] if queue else 1)


def bulletin_files(messages: list[dict[str, Any]]) -> dict[str, list[str]]:
    files: dict[str, list[str]] = {}
    for message in messages:
        if message["bulletin_list"]:
            files.setdefault(message["bulletin_list"], []).append(message["file"])
    return files


def mln_command() -> str:
    """How to type `mln` from here: `mln` when it is on PATH, else the script's path."""
    script = Path(sys.argv[0])
    if script.name != "mln":
        script = Path(sys.executable).parent / "mln"  # run as python -m, or under a test runner
    found = shutil.which("mln")
    if found and script.exists() and Path(found).resolve() == script.resolve():
        return "mln"
    return shown(str(script.absolute())) if script.exists() else "mln"


def shown(path: str) -> str:
    """A path as short as it can be: relative to the working folder when inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative
