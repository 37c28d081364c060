"""mln worker, and mln schedule list | run (the scheduled jobs, once, for cron)."""

from __future__ import annotations

import datetime as dt

import click

from pipeline import schedule
from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json, print_table
from pipeline.worker import StopFlag, install_signal_handlers, run_worker


def register(cli: click.Group) -> None:
    cli.add_command(worker)
    cli.add_command(schedule_group)


@click.command()
@click.option("--once", is_flag=True, help="One turn (poll, send, scheduled jobs), then exit.")
@click.pass_obj
def worker(app: AppContext, once: bool) -> None:
    """Run until stopped: read mail as it arrives, send the outbox, run scheduled jobs.

    Uses IMAP IDLE when the server offers it, else polls every
    mailbox.poll_interval seconds. SIGTERM or Ctrl-C finishes the current step
    and exits 0; a second one exits at once (nothing is lost). On SQLite a
    second worker refuses to start (exit 1). Logs go to stderr (--log-file,
    --log-format json); run it with -v to see each message.

    \b
    Examples:
      mln -v worker
      mln --log-format json --log-file /var/log/mln/worker.log worker
      mln worker --once
    """
    stop = StopFlag()
    install_signal_handlers(stop)
    stats = run_worker(app.settings, stop, max_turns=1 if once else None)
    if once:
        print_json(stats.as_dict())


@click.group(name="schedule")
def schedule_group() -> None:
    """The scheduled jobs: period close (draft + preview), reminders, digest.

    \b
    Examples:
      mln schedule list
      mln schedule run            # what the worker does each minute, once (for cron)
    """


@schedule_group.command(name="list")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON list with keys job, key, due (and bulletin, for a waiting or running send).",
)
@click.pass_obj
def list_command(app: AppContext, as_json: bool) -> None:
    """Each enabled job and when it next runs (in network.timezone), then any bulletin send waiting or under way.

    \b
    Example:
      mln schedule list --json
    """
    rows = schedule.upcoming(app.settings)
    if as_json:
        print_json(rows)
    else:
        print_table(rows, [("job", "Job"), ("key", "For"), ("due", "Next run")], max_width=100)  # a send row is long


@schedule_group.command(name="run")
@click.option(
    "--date", "on_date", type=click.DateTime(["%Y-%m-%d"]), help="Run as if today were this date (noon, network time)."
)
@click.option("--json", "as_json", is_flag=True, help="JSON list with keys job, key, outcome, detail.")
@click.pass_obj
def run_command(app: AppContext, on_date: dt.datetime | None, as_json: bool) -> None:
    """Run every job that is due now, once; queued mail goes out with `mln outbox flush`.

    Safe to run at any time and from several machines: each job is done once
    per period (or week), and each member is reminded once per period.

    \b
    Examples:
      mln schedule run
      mln schedule run --date 2026-12-20 --json
    """
    now = None
    if on_date is not None:
        from pipeline.localtime import zone

        now = on_date.replace(hour=12, tzinfo=zone(app.settings)).astimezone(dt.UTC)
    results = [r.as_dict() for r in schedule.run_due(app.settings, now)]
    if as_json:
        print_json(results)
    elif not results:
        click.echo("nothing due")
    else:
        for r in results:
            click.echo(f"{r['job']} {r['key']}: {r['outcome']} {r['detail'] or ''}".rstrip())
