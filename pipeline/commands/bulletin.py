"""mln bulletin draft | list | show | preview | edit | approve | unapprove | cancel."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json, print_table
from pipeline.localtime import months_per_issue
from pipeline.mailing.approving import approve_and_plan
from pipeline.mailing.sending import cancel_bulletin
from pipeline.mailing.waiting import COPY_STATES, edition_copies
from pipeline.outbound.bulletin.content import AUDIENCES
from pipeline.outbound.bulletin.drafts import (
    draft_bulletin,
    list_bulletins,
    preview_bulletin,
    set_intro,
    unapprove_bulletin,
)
from pipeline.periods import parse_period

LIST_COLUMNS = [
    ("id", "ID"),
    ("number", "No."),
    ("period_label", "Period"),
    ("status", "Status"),
    ("new", "New"),
    ("updates", "Updates"),
    ("approved_at", "Approved"),
]


def register(cli: click.Group) -> None:
    cli.add_command(bulletin)


@click.group()
def bulletin() -> None:
    """The bi-monthly bulletin: draft it, preview it, test it, approve it.

    \b
    Examples:
      mln bulletin draft --intro intro.md
      mln bulletin preview 3 --audience external -o preview.html
      mln bulletin approve 3 --send-at "2027-01-05 09:00"
      mln bulletin test 3 --to me@example.org --audience external
      mln bulletin unapprove 3
      mln bulletin cancel 3 --reason "wrong introduction"
    """


@bulletin.command()
@click.option(
    "--period", "period_text", metavar="YYYY-MM", help="Any month of the period (default: the current period)."
)
@click.option(
    "--intro",
    "intro_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The editorial introduction, a Markdown file.",
)
@click.option(
    "--intro-internal",
    "internal_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The internal edition's own introduction (Markdown); default: --intro.",
)
@click.option(
    "--intro-external",
    "external_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The external edition's own introduction (Markdown); default: --intro.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the draft's summary as JSON (per audience: audiences).")
@click.pass_obj
def draft(
    app: AppContext,
    period_text: str | None,
    intro_file: Path | None,
    internal_file: Path | None,
    external_file: Path | None,
    as_json: bool,
) -> None:
    """Collect the items approved in a period into a draft (or refresh the existing draft).

    New items and updates are marked as such, and counted for each audience.
    Running it again re-collects the items and keeps the introductions unless
    given again. An introduction may say {{ count.new }}, {{ count.updated }},
    {{ count.items }} and {{ highlights }}: each edition fills in its own.
    Without --intro, [bulletin] intro_internal / intro_external are used.

    \b
    Examples:
      mln bulletin draft
      mln bulletin draft --period 2026-11 --intro intro.md
      mln bulletin draft --intro-internal members.md --intro-external partners.md
    """
    period = parse_period(period_text, months_per_issue(app.settings)) if period_text else None
    intro = intro_file.read_text(encoding="utf-8") if intro_file else None
    own = {a: f.read_text(encoding="utf-8") for a, f in (("internal", internal_file), ("external", external_file)) if f}
    summary = draft_bulletin(app.settings, period=period, intro=intro, audience_intros=own)
    if as_json:
        print_json(summary)
        return
    click.echo(
        f"Draft bulletin {summary['id']}: No. {summary['number']}, {summary['period_label']}: "
        f"{summary['new']} new item(s), {summary['updates']} update(s)"
    )
    for audience, n in summary["audiences"].items():
        click.echo(f"  {audience} edition: {n['new']} new item(s), {n['updated']} update(s)")
    click.echo(f"Preview: mln bulletin preview {summary['id']} --audience internal -o bulletin.html")


@bulletin.command(name="list")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON list with keys id, number, period, period_label, status, items, new, updates, subject, approved_at, sent_at.",
)
@click.pass_obj
def list_command(app: AppContext, as_json: bool) -> None:
    """Every issue, newest first.

    \b
    Examples:
      mln bulletin list
      mln bulletin list --json
    """
    rows = list_bulletins(app.settings)
    if as_json:
        print_json(rows)
        return
    # "2026-11-24T10:28:25+00:00" -> "2026-11-24 10:28" for people.
    print_table(
        [{**row, "approved_at": (row["approved_at"] or "")[:16].replace("T", " ")} for row in rows], LIST_COLUMNS
    )


@bulletin.command()
@click.argument("bulletin_id", type=int)
@click.option(
    "--recipients",
    type=click.Choice(COPY_STATES),
    help="Only list the addresses whose copy is in this state, one a line (e.g. sent: who already had it).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON: the keys of `list --json`, plus copies (and recipients).")
@click.pass_obj
def show(app: AppContext, bulletin_id: int, recipients: str | None, as_json: bool) -> None:
    """One issue: its state, why it was cancelled or forced, and its copies per audience.

    After `mln bulletin cancel`, the sent copies are who already had it.

    \b
    Examples:
      mln bulletin show 3
      mln bulletin show 3 --recipients sent > had-it.txt
    """
    shown = edition_copies(app.settings, bulletin_id, recipients)
    if as_json:
        print_json(shown)
        return
    if recipients is not None:
        for address in shown["recipients"]:
            click.echo(address)
        return
    click.echo(f"Bulletin {shown['id']} (No. {shown['number']}, {shown['period_label']}): {shown['status']}")
    click.echo(f"Subject: {shown['subject']}")
    if shown["forced_reason"]:
        click.echo(f"Approved despite warnings: {shown['forced_reason']}")
    if shown["cancel_reason"]:
        click.echo(f"Cancelled at {shown['cancelled_at']}: {shown['cancel_reason']}")
    for audience, by_status in shown["copies"].items() or [("copies", {})]:
        counts = ", ".join(f"{by_status.get(s, 0)} {s}" for s in COPY_STATES if by_status.get(s))
        click.echo(f"  {audience}: {counts or 'no copies queued'}")
    if shown["copies"] and any(c.get("sent") for c in shown["copies"].values()):
        click.echo(f"Who had it: mln bulletin show {bulletin_id} --recipients sent")


@bulletin.command()
@click.argument("bulletin_id", type=int)
@click.option(
    "--audience", type=click.Choice(AUDIENCES), default="internal", show_default=True, help="Which readers' version."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option("--text", "as_text", is_flag=True, help="The plain-text part instead of the HTML.")
@click.pass_obj
def preview(app: AppContext, bulletin_id: int, audience: str, output: Path | None, as_text: bool) -> None:
    """Render an issue as one audience receives it (a draft as it is now; an approved one as frozen).

    \b
    Examples:
      mln bulletin preview 3 --audience external -o external.html
      mln bulletin preview 3 --text | less
    """
    rendered = preview_bulletin(app.settings, bulletin_id, audience)
    body = rendered.text if as_text else rendered.html
    for warning in rendered.warnings:
        click.echo(f"warning: {warning}", err=True)
    if output is None:
        click.echo(body, nl=False)
        return
    output.write_text(body, encoding="utf-8")
    click.echo(
        f"Wrote the {audience} edition's {'text' if as_text else 'HTML'} of bulletin {bulletin_id} to {output} "
        f"({len(body.encode('utf-8')) // 1024} KB): {rendered.subject}"
    )


@bulletin.command()
@click.argument("bulletin_id", type=int)
@click.option(
    "--intro",
    "intro_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The new introduction, a Markdown file.",
)
@click.option("--audience", type=click.Choice(AUDIENCES), help="Only this edition's own introduction.")
@click.option("--json", "as_json", is_flag=True, help="Print the draft's summary as JSON.")
@click.pass_obj
def edit(app: AppContext, bulletin_id: int, intro_file: Path, audience: str | None, as_json: bool) -> None:
    """Replace a draft's editorial introduction (Markdown); preview again to see it.

    \b
    Examples:
      mln bulletin edit 3 --intro intro.md
      mln bulletin edit 3 --intro partners.md --audience external --json
    """
    summary = set_intro(app.settings, bulletin_id, intro_file.read_text(encoding="utf-8"), audience)
    if as_json:
        print_json(summary)
        return
    whose = f"the {audience} edition's introduction" if audience else "the introduction"
    click.echo(
        f"Updated {whose} of draft bulletin {summary['id']} (No. {summary['number']}, {summary['period_label']})"
    )


@bulletin.command()
@click.argument("bulletin_id", type=int)
@click.option("--as", "actor", metavar="NAME", help="Who approves (default: your login name).")
@click.option(
    "--force", is_flag=True, help="Approve although an edition is empty, an item is not approved or it is early."
)
@click.option("--reason", metavar="TEXT", default="", help="Why --force is right; recorded with the bulletin.")
@click.option(
    "--send-at",
    metavar='"YYYY-MM-DD HH:MM"',
    help="Network local time before which no scheduled send queues it (default: the next run).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the summary as JSON (with keys goes, overridden, approvers, approvals_needed, send_at).",
)
@click.pass_obj
def approve(
    app: AppContext, bulletin_id: int, actor: str | None, force: bool, reason: str, send_at: str | None, as_json: bool
) -> None:
    """Freeze a draft: its HTML and text are stored and later edits no longer change it.

    Refused when an edition that subscribers would receive has no items, an
    item is no longer approved, or the period has not started yet, unless
    --force with a --reason. With [bulletin] approvals = 2 a second, different
    person approves the frozen issue before it can go.

    \b
    Examples:
      mln bulletin approve 3
      mln bulletin approve 3 --as "Comms lead" --send-at "2027-01-05 09:00"
      mln bulletin approve 3 --as "Network manager"     (the second approver)
      mln bulletin approve 4 --force --reason "special issue: no external items this time"
    """
    if force != bool(reason.strip()):
        raise click.UsageError("--force and --reason TEXT go together")
    summary = approve_and_plan(
        app.settings, bulletin_id, actor or getpass.getuser(), force_reason=reason, send_at=send_at
    )
    if as_json:
        print_json(summary)
        return
    by = ", ".join(summary["approvers"])
    click.echo(f"Approved bulletin {summary['id']}: {summary['subject']} ({summary['items']} item(s)); by {by}")
    click.echo(f"It will be sent {summary['goes']}; to stop it: mln bulletin unapprove {summary['id']}")
    for problem in summary["overridden"]:
        click.echo(f"note: approved with --force although {problem}", err=True)
    if summary["approved_after_draft"]:
        click.echo(
            f"note: {summary['approved_after_draft']} item(s) of this period were approved after the draft "
            "was made and are not in it; they will go into the next issue",
            err=True,
        )
    for audience, warnings in summary.get("warnings", {}).items():
        for warning in warnings:
            click.echo(f"warning ({audience}): {warning}", err=True)


@bulletin.command()
@click.argument("bulletin_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the draft's summary as JSON.")
@click.pass_obj
def unapprove(app: AppContext, bulletin_id: int, as_json: bool) -> None:
    """Take back an approval before any copy was queued: the issue is a draft again.

    \b
    Examples:
      mln bulletin unapprove 3
    """
    summary = unapprove_bulletin(app.settings, bulletin_id)
    if as_json:
        print_json(summary)
        return
    click.echo(
        f"Bulletin {summary['id']} (No. {summary['number']}, {summary['period_label']}) is a draft again; "
        f"nothing was sent. Redraft or edit it, then: mln bulletin approve {summary['id']}"
    )


@bulletin.command()
@click.argument("bulletin_id", type=int)
@click.option("--reason", metavar="TEXT", required=True, help="Why it is cancelled; recorded on each stopped copy.")
@click.option("--as", "actor", metavar="NAME", help="Who cancels (default: your login name).")
@click.option(
    "--json", "as_json", is_flag=True, help="JSON with keys bulletin_id, reason, sent, stopped, in_flight, failed."
)
@click.pass_obj
def cancel(app: AppContext, bulletin_id: int, reason: str, actor: str | None, as_json: bool) -> None:
    """Stop an approved bulletin before or during its send: no further copy is sent.

    Copies already sent stay recorded; every copy still queued is marked
    cancelled with the reason and is never sent.

    \b
    Examples:
      mln bulletin cancel 3 --reason "wrong introduction"
    """
    summary = cancel_bulletin(app.settings, bulletin_id, reason, by=actor or getpass.getuser())
    if as_json:
        print_json(summary.as_dict())
        return
    click.echo(
        f"Cancelled bulletin {bulletin_id}: {summary.sent} cop(ies) had already been sent and stay recorded; "
        f"{summary.stopped} queued cop(ies) stopped"
    )
    if summary.sent:
        click.echo(f"Who already had it: mln bulletin show {bulletin_id} --recipients sent")
    if summary.in_flight:
        click.echo(
            f"note: {summary.in_flight} of the stopped copies were being handed to the server at that moment; "
            "those the server accepted show as sent (`mln outbox status`)",
            err=True,
        )
