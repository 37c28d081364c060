"""mln auth login | status: OAuth 2.0 sign-in for the mailbox and SMTP."""

from __future__ import annotations

import click

from pipeline.auth import DeviceCode
from pipeline.commands.context import AppContext
from pipeline.commands.login import auth_status, start_login, wait_for_login
from pipeline.commands.output import print_json


def register(cli: click.Group) -> None:
    cli.add_command(auth)


@click.group()
def auth() -> None:
    """OAuth 2.0 (NHSmail / Microsoft 365, Google): sign in, and check the sign-in.

    Used when mailbox.auth or smtp.auth is "oauth2"; settings are in [oauth2].
    See docs/nhsmail-oauth.md.

    \b
    Examples:
      mln auth login
      mln auth status --json
    """


@auth.command()
@click.pass_obj
def login(app: AppContext) -> None:
    """Sign in and keep the token in the 0600 token cache file.

    With oauth2.flow = "device_code" this prints a code and a web address:
    open the address on any device, enter the code and sign in as the
    mailbox; the command waits, then keeps the refresh token in the cache
    (never in the database or a log). With "client_credentials" it gets a
    token for the application at once, to prove the secret or certificate.

    \b
    Examples:
      mln auth login
      MLN_OAUTH2_CLIENT_SECRET=... mln --config /srv/mln/mln.toml auth login
    """
    settings = app.settings
    started = start_login(settings)
    if isinstance(started, DeviceCode):
        click.echo(
            started.message or f"To sign in, open {started.verification_uri} and enter the code {started.user_code}"
        )
        click.echo("Waiting for the sign-in to finish...")
        token = wait_for_login(settings, started)
    else:
        token = started
    click.echo(
        f"Signed in as {token.identity or 'the configured identity'}; the token is kept in "
        f"{settings.oauth2.token_cache} and renewed before it expires."
    )


@auth.command()
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="JSON with keys provider, flow, client_id, identity, token_cache, expires_at, expires_in, token_error, imap, smtp.",
)
@click.option("--no-check", is_flag=True, help="Do not try the IMAP and SMTP logins.")
@click.pass_obj
def status(app: AppContext, as_json: bool, no_check: bool) -> None:
    """Which identity is in use, when its token expires, and whether IMAP and SMTP logins work now.

    Exit code 3 when there is no usable token or a login fails.

    \b
    Examples:
      mln auth status
      mln auth status --json
    """
    result = auth_status(app.settings, check_logins=not no_check)
    if as_json:
        print_json(result.as_dict())
    else:
        click.echo(f"provider {result.provider}, flow {result.flow}, client id {result.client_id or '(not set)'}")
        if result.token_error:
            click.echo(f"token: {result.token_error}")
        else:
            click.echo(f"identity: {result.identity}; token expires {result.expires_at} (in {result.expires_in}s)")
        click.echo(f"token cache: {result.token_cache}")
        if not no_check:
            for name, check in (("IMAP", result.imap), ("SMTP", result.smtp)):
                click.echo(f"{name} {check.server} ({check.auth}): {'ok' if check.ok else check.error}")
    failed = result.token_error or (not no_check and not (result.imap.ok and result.smtp.ok))
    if failed:
        raise click.exceptions.Exit(3)
