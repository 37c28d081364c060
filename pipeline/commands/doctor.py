"""mln doctor, mln doctor mail: check a configuration end to end before going live."""

from __future__ import annotations

import click

from pipeline.commands.context import AppContext
from pipeline.commands.output import print_json
from pipeline.doctor import DEFAULT_PROBE_TIMEOUT, Report, run_doctor

MARKS = {"pass": "✓", "fail": "✗", "warn": "!", "skip": "-"}


def register(cli: click.Group) -> None:
    cli.add_command(doctor)


def echo_report(report: Report) -> None:
    """The checklist: one line per check, and for each failure the line that says what to do."""
    for check in report.checks:
        click.echo(f"{MARKS.get(check.status, '?')} {check.name}: {check.detail}")
        if check.fix:
            click.echo(f"    fix: {check.fix}")
    failures = sum(check.failed for check in report.checks)
    click.echo("all checks passed" if not failures else f"{failures} check(s) failed")


def _finish(report: Report, as_json: bool) -> None:
    if as_json:
        print_json(report.as_dict())
    else:
        echo_report(report)
    if not report.ok:
        click.get_current_context().exit(1)


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.option("--no-probe", is_flag=True, help="Do not send the probe mail (checks logins only).")
@click.option(
    "--probe-timeout",
    type=click.FloatRange(min=1),
    default=DEFAULT_PROBE_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for the probe mail to come back.",
)
@click.pass_context
def doctor(ctx: click.Context, as_json: bool, no_probe: bool, probe_timeout: float) -> None:
    """Check a configuration end to end: a checklist, with a fix for each failure.

    Config found and valid; database reachable and migrated; mailbox login (or
    OAuth token); SMTP login for each route; MLN_TOKEN_SECRET set; a probe mail
    from smtp.from_address to its own +probe- tag comes back into the polled
    mailbox (so confirmations and bounces will); web.base_url answers, when set.

    Exit codes: 0 every check passed; 1 a check failed; 2 no config file found.

    \b
    Examples:
      mln doctor
      mln --config /srv/mln/mln.toml doctor --json
      mln doctor mail          SPF, DKIM and DMARC of the From domain, per route
    """
    if ctx.invoked_subcommand is not None:
        return
    app: AppContext = ctx.obj
    _finish(run_doctor(app.config_path, probe=not no_probe, probe_timeout=probe_timeout), as_json)


@doctor.command("mail")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_obj
def doctor_mail(app: AppContext, as_json: bool) -> None:
    """Will receivers believe a bulletin? The From domain's SPF, DKIM and DMARC, per route.

    Says in plain words whether a bulletin from each route aligns (DMARC passes),
    and warns when an nhs.net From address goes out by a route other than NHSmail.
    The resolver is the system's, or dns.server (MLN_DNS_SERVER=HOST[:PORT]).

    \b
    Examples:
      mln doctor mail
      MLN_DNS_SERVER=9.9.9.9 mln doctor mail --json
    """
    from pipeline.doctor.mail import run_mail_check

    _finish(run_mail_check(app.config_path), as_json)
