"""mln status, and mln report compliance."""

from __future__ import annotations

import datetime as dt

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json, print_table
from pipeline.localtime import current_period, months_per_issue, network_today
from pipeline.periods import parse_period
from pipeline.status import collect_status

REPORT_PERIODS = 3  # the current period and the two before it, unless --period is given


def register(cli: click.Group) -> None:
    cli.add_command(status)
    cli.add_command(report)


@click.command()
@click.option(
    "--mailbox",
    "check_mailbox",
    is_flag=True,
    help="Also log in to the mailbox and count the messages waiting to be read.",
)
@click.option("--json", "as_json", is_flag=True, help="Print everything as JSON (times in network.timezone).")
@click.pass_obj
def status(app: AppContext, check_mailbox: bool, as_json: bool) -> None:
    """Is everything running? Last poll, what waits for you, the outbox, the next job, the last bulletin.

    \b
    Examples:
      mln status
      mln status --mailbox
      mln status --json | jq .outbox
    """
    data = collect_status(app.settings, check_mailbox=check_mailbox)
    if as_json:
        print_json(data)
    else:
        _echo_status(data)


def _echo_status(data: dict) -> None:
    mailbox, messages, outbox = data["mailbox"], data["messages"], data["outbox"]
    worker = data["worker"]
    click.echo(f"Time now:        {data['now']} ({data['timezone']})")
    if worker["running"]:
        for w in worker["running"]:
            click.echo(
                f"Worker:          running on {w['host']} (pid {w['pid']}) since {w['started_at']}, last seen {w['seen_at']}"
            )
    elif worker["pid"]:
        click.echo(f"Worker:          running, pid {worker['pid']}")
    else:
        click.echo("Worker:          not running (start it: mln worker, or systemctl start mln-worker)")
    poll = f"{mailbox['last_poll_at']} ({mailbox['last_poll_seconds']} s)" if mailbox["last_poll_at"] else "never"
    click.echo(f"Last poll:       {poll}  {mailbox['url']}")
    if "waiting" in mailbox:
        click.echo(
            f"In the mailbox:  {mailbox['waiting']} message(s) waiting to be read"
            if mailbox["error"] is None
            else f"In the mailbox:  cannot check: {mailbox['error']}"
        )
    click.echo(
        f"Messages:        {messages['held']} held for you, {messages['quarantined']} quarantined, "
        f"{messages['not_yet_filed']} not yet filed, {messages['total']} in all"
    )
    subs = ", ".join(f"{n} {k}" for k, n in data["submissions"].items())
    click.echo(f"Submissions:     {subs}")
    click.echo(
        f"Outbox:          {outbox['queued']} queued ({outbox['deferred']} waiting to retry), "
        f"{outbox['failed']} failed, {outbox['sent']} sent"
    )
    job = data["next_job"]
    click.echo(
        f"Next job:        {job['job']} for {job['key']} at {job['due']}" if job else "Next job:        (none enabled)"
    )
    b = data["last_bulletin"]
    if b is None:
        click.echo("Last bulletin:   (none yet)")
    else:
        d = b["deliveries"]
        click.echo(
            f"Last bulletin:   No. {b['number']} ({b['period']}) {b['status']}: "
            f"{d['sent']} sent, {d['queued']} queued, {d['failed']} failed"
        )


@click.group()
def report() -> None:
    """Reports for the network's meetings.

    \b
    Example:
      mln report compliance --period 2026-11
    """


@report.command()
@click.option(
    "--period",
    "period_text",
    metavar="YYYY-MM",
    help="Any month of the period (default: the current period and the two before it).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON: a list of periods, each with members and regions.")
@click.pass_obj
def compliance(app: AppContext, period_text: str | None, as_json: bool) -> None:
    """Who has sent an improvement plan in each period, per member and per region.

    \b
    Examples:
      mln report compliance
      mln report compliance --period 2026-09 --json
    """
    from pipeline.people.members import compliance_report  # the members' records: not needed by `mln status`

    settings = app.settings
    if period_text:
        periods = [parse_period(period_text, months_per_issue(settings))]
    else:
        periods = [current_period(settings, network_today(settings))]
        for _ in range(REPORT_PERIODS - 1):
            periods.append(current_period(settings, periods[-1].start - dt.timedelta(days=1)))
    data = compliance_report(settings, periods)
    if as_json:
        print_json(data)
        return
    for entry in data:
        _echo_period(entry)


def _echo_period(entry: dict) -> None:
    total = entry["total"]
    click.echo(
        f"\n{entry['label']} ({entry['start']} to {entry['end']}): {total['submitted']} of {total['members']} member(s) reported"
    )
    rows = [
        {
            "name": m["name"] or m["email"],
            "region": m["region"],
            "organisation": m["organisation"],
            "sent": ", ".join(s["file_no"] or f"#{s['id']}" for s in m["submissions"]) or "-",
            "reminded": (m["reminded_at"] or "")[:10],
        }
        for m in entry["members"]
    ]
    print_table(
        rows,
        [
            ("name", "Member"),
            ("region", "Region"),
            ("organisation", "Organisation"),
            ("sent", "Sent"),
            ("reminded", "Reminded"),
        ],
    )
    click.echo("")
    print_table(
        entry["regions"],
        [
            ("region", "Region"),
            ("members", "Members"),
            ("submitted", "Reported"),
            ("missing", "Not yet"),
            ("submissions", "Plans"),
        ],
    )
