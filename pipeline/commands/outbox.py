"""mln outbox status | flush | retry."""

from __future__ import annotations

import datetime as dt

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json, print_table, progress_callback
from pipeline.errors import SmtpError
from pipeline.mailing.delivery import deliver_due
from pipeline.outbound.claims import count_due
from pipeline.outbound.outbox import outbox_status, retry
from pipeline.outbound.quota import RouteStatus, route_status
from pipeline.store import db
from pipeline.store.models import utcnow


def register(cli: click.Group) -> None:
    cli.add_command(outbox)


@click.group()
def outbox() -> None:
    """The outbox: messages waiting to be sent, sending them, and trying failures again.

    \b
    Examples:
      mln outbox status
      mln outbox flush
      mln outbox retry
    """


@outbox.command()
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON with keys counts, due_now, deferred, unspooled, in_flight, oldest_queued, recent_failures, "
    "routes (name, rate_per_minute, daily_limit, sent_24h, queued, paused_until, eta).",
)
@click.pass_obj
def status(app: AppContext, as_json: bool) -> None:
    """How many messages are queued, due, deferred, sent and failed, and each sending route's
    standing: sent in the last 24 hours against its cap, paused until when, and when its
    queue should be done (ETA, at its rate and under its rolling cap).

    \b
    Examples:
      mln outbox status
      mln outbox status --json | jq '.routes[] | {name, eta}'
    """
    db.require_schema(app.settings.database.url)
    now = utcnow()
    routes = route_status(app.settings, now)
    result = outbox_status(app.settings, now).as_dict() | {"routes": [r.as_dict() for r in routes]}
    if as_json:
        print_json(result)
        return
    counts = result["counts"]
    click.echo(
        f"queued {counts.get('queued', 0)} (due now {result['due_now']}, waiting to retry {result['deferred']}, "
        f"not yet in outbox/ {result['unspooled']}), sent {counts.get('sent', 0)}, failed {counts.get('failed', 0)}"
    )
    if result["in_flight"]:
        click.echo(f"being sent now: {result['in_flight']}")
    if result["oldest_queued"]:
        click.echo(f"oldest queued: {result['oldest_queued']}")
    for route in routes:
        click.echo(_route_line(route))
    if result["recent_failures"]:
        click.echo("recent failures (`mln outbox retry` to try them again):")
        print_table(
            result["recent_failures"],
            [("id", "ID"), ("recipient", "To"), ("kind", "Kind"), ("attempts", "Tries"), ("error", "Error")],
        )


@outbox.command()
@click.option("--limit", type=click.IntRange(min=1), help="Send at most this many.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON with keys sent, deferred, failed, connections, hard_bounces, spool_error, stopped, "
    "paused (route -> when it resumes), by_route.",
)
@click.pass_obj
def flush(app: AppContext, limit: int | None, as_json: bool) -> None:
    """Send every message that is due now, over one reused SMTP connection.

    Each message goes by its route ([[smtp.route]], else [smtp]) at that route's
    pace; a route at its rolling 24-hour cap pauses, and the output says when it
    resumes (the worker carries on then by itself). Temporary failures are tried
    again later (backoff); permanent ones (5xx) are marked failed. Exit code 3 when the SMTP server cannot be reached
    (nothing is lost: unsent messages stay queued).

    \b
    Examples:
      mln outbox flush
      MLN_SMTP_PASSWORD=... mln outbox flush --limit 100 --json
    """
    settings = app.settings
    db.require_schema(settings.database.url)
    routes = route_status(settings, utcnow())
    total = count_due(settings) - sum(r.queued for r in routes if r.paused_until is not None)  # those wait
    if limit is not None:
        total = min(total, limit)
    start, close = progress_callback(_progress_label(routes))
    update = None if as_json else start(total)
    try:
        report = deliver_due(settings, limit=limit, progress=update)
    finally:
        close()
    if as_json:
        print_json(report.as_dict())
    else:
        click.echo(
            f"sent {report.sent}, deferred {report.deferred}, failed {report.failed} "
            f"({report.connections} connection{'s' if report.connections != 1 else ''})"
        )
        for bounce in report.hard_bounces:
            click.echo(f"  refused: {bounce.recipient}: {bounce.code} {bounce.text}")
        if report.spool_error:
            click.echo(f"  outbox: {report.spool_error}", err=True)
        for name, at in report.paused.items():
            click.echo(
                f"  route {name} reached its 24-hour cap: paused; `mln worker` resumes it at "
                f"{at:%Y-%m-%d %H:%M} UTC (or run `mln outbox flush` then)"
            )
    if report.stopped:
        raise SmtpError(report.stopped)


def _when(at: object) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at is not None else "-"


def _route_line(route: RouteStatus) -> str:
    cap = f"{route.sent_24h}/{route.daily_limit} in 24 h" if route.daily_limit else f"{route.sent_24h} in 24 h, no cap"
    rate = f"{route.rate_per_minute}/min" if route.rate_per_minute else "no rate limit"
    line = f"route {route.name}: {route.queued} queued, {cap}, {rate}"
    if route.paused_until is not None:
        line += f"; paused until {_when(route.paused_until)}"
    if route.eta is not None:
        line += f"; ETA {_when(route.eta)}"
    return line


def _progress_label(routes: list[RouteStatus]) -> str:
    """ "sending", with when the last queued message should go when that is a while off."""
    etas = [r.eta for r in routes if r.eta is not None]
    if not etas or max(etas) - utcnow() < dt.timedelta(minutes=5):
        return "sending"
    return f"sending (all by {_when(max(etas))})"


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--json", "as_json", is_flag=True, help="JSON with keys failed_requeued, deferred_made_due.")
@click.pass_obj
def retry_command(app: AppContext, ids: tuple[int, ...], as_json: bool) -> None:
    """Make failed messages (or only the IDs given) due again, and bring waiting retries forward.

    The next `mln outbox flush` (or the worker) sends them.

    \b
    Examples:
      mln outbox retry
      mln outbox retry 42 43 && mln outbox flush
    """
    db.require_schema(app.settings.database.url)
    result = retry(app.settings, ids)
    if as_json:
        print_json(vars(result))
    else:
        click.echo(
            f"{result.failed_requeued} failed message(s) queued again; {result.deferred_made_due} waiting retry(ies) due now"
        )
