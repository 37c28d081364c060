"""`mln auth login` and `mln auth status` as library calls (the CLI only prints)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from pipeline.auth.base import RELOGIN, DeviceCode, Token
from pipeline.auth.source import token_source
from pipeline.config import Settings, resolve_local_path
from pipeline.errors import AuthError, MlnError


def start_login(settings: Settings) -> DeviceCode | Token:
    """Device-code flow: the code a person must enter. Client credentials: a token, got now."""
    source = token_source(settings)
    if settings.oauth2.flow == "device_code":
        return source.provider.start_device_login()
    return source.token(force_refresh=True)


def wait_for_login(
    settings: Settings,
    device: DeviceCode,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> Token:
    """Poll the token endpoint every `interval` seconds until the person signed in (or the code expired)."""
    source = token_source(settings)
    while True:
        token = source.provider.poll_device_login(device)
        if token is not None:
            source.accepted(token)
            return token
        # The library raises the interval in its flow state when the server says slow_down.
        interval = max(int((device.state or {}).get("interval", device.interval)), 1)
        if clock() + interval > device.expires_at:
            raise AuthError(f"nobody entered the code {device.user_code} in time; {RELOGIN}")
        sleep(interval)


@dataclass
class LoginCheck:
    server: str = ""
    auth: str = ""
    ok: bool = False
    error: str = ""


@dataclass
class AuthStatus:
    provider: str = ""
    flow: str = ""
    client_id: str = ""
    identity: str = ""
    token_cache: str = ""
    expires_at: str = ""  # ISO 8601, UTC
    expires_in: int | None = None
    token_error: str = ""
    imap: LoginCheck = field(default_factory=LoginCheck)
    smtp: LoginCheck = field(default_factory=LoginCheck)

    def as_dict(self) -> dict:
        return asdict(self)


def auth_status(settings: Settings, check_logins: bool = True) -> AuthStatus:
    """Which identity is in use, when its token expires, and whether IMAP and SMTP logins work now."""
    cfg = settings.oauth2
    status = AuthStatus(
        cfg.provider, cfg.flow, cfg.client_id, token_cache=str(resolve_local_path(settings, cfg.token_cache))
    )
    if "oauth2" not in (settings.mailbox.auth, settings.smtp.auth):
        status.identity = '(OAuth 2.0 is not in use: mailbox.auth and smtp.auth are "password")'
    else:
        _token_status(settings, status)
    if check_logins:
        status.imap = check_imap(settings)
        status.smtp = check_smtp(settings)
    return status


def _token_status(settings: Settings, status: AuthStatus) -> None:
    try:
        token = token_source(settings).token()
        status.identity = token.identity
        status.expires_at = dt.datetime.fromtimestamp(token.expires_at, dt.UTC).isoformat(timespec="seconds")
        status.expires_in = int(token.expires_at - time.time())
    except MlnError as exc:
        status.token_error = str(exc)


def check_imap(settings: Settings) -> LoginCheck:
    from pipeline.intake.mailbox import open_source

    check = LoginCheck(settings.mailbox.url.split("?")[0], settings.mailbox.auth)
    if not settings.mailbox.url.lower().startswith("imap"):
        check.ok, check.auth = True, "none (a local Maildir)"
        return check
    try:
        with open_source(settings):
            check.ok = True
    except MlnError as exc:
        check.error = str(exc)
    return check


def check_smtp(settings: Settings) -> LoginCheck:
    from pipeline.outbound.smtp import SmtpConnection

    check = LoginCheck(settings.smtp.url, settings.smtp.auth)
    try:
        connection = SmtpConnection(settings)
        connection.open()
        connection.close()
        check.ok = True
    except MlnError as exc:
        check.error = str(exc)
    return check
