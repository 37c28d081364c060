"""SASL XOAUTH2 for IMAP and SMTP, with one retry on a fresh token when the server refuses ours.

A server may refuse a token we think is valid: it was revoked, or the server's
clock is ahead of ours. One forced renewal settles which; if the fresh token is
refused too, the error says to sign in again. Nothing is lost either way: the
mail stays in the mailbox or in the outbox.
"""

from __future__ import annotations

import smtplib
from typing import Any

from pipeline.auth.base import RELOGIN, Token
from pipeline.auth.source import token_source
from pipeline.config import Settings
from pipeline.errors import AuthError, ConfigError, MailboxError, SmtpError

AUTH_MODES = ("password", "oauth2")


def check_auth_mode(value: str, name: str) -> bool:
    """True when `name` (mailbox.auth or smtp.auth) asks for OAuth 2.0."""
    if value not in AUTH_MODES:
        raise ConfigError(f'{name} = {value!r}: use "password" or "oauth2"')
    return value == "oauth2"


def xoauth2_string(user: str, access_token: str) -> str:
    """The XOAUTH2 initial client response (before base64)."""
    return f"user={user}\x01auth=Bearer {access_token}\x01\x01"


def imap_oauth2_login(client: Any, user: str, settings: Settings, where: str) -> None:
    """AUTHENTICATE XOAUTH2 on an imapclient connection, or raise MailboxError (one line)."""
    from imapclient.exceptions import IMAPClientError

    source = token_source(settings)
    token = _token(source, False, where, MailboxError)
    try:
        client.oauth2_login(user, token.access_token)
        return
    except IMAPClientError as exc:
        if "UNAVAILABLE" in str(exc):  # the server cannot check tokens now: not our token's fault
            raise MailboxError(
                f"{where} cannot check OAuth 2.0 tokens right now ({exc}); it will be tried again"
            ) from None
    token = _token(source, True, where, MailboxError)
    try:
        client.oauth2_login(user, token.access_token)
    except IMAPClientError as exc:
        raise MailboxError(
            f"{where} refused the OAuth 2.0 token for {user} ({exc}); check that the app may read this "
            f"mailbox, then {RELOGIN}"
        ) from None


def smtp_oauth2_login(smtp: smtplib.SMTP, user: str, settings: Settings, where: str) -> None:
    """AUTH XOAUTH2 on an smtplib connection (after EHLO / STARTTLS), or raise SmtpError (one line)."""
    if not user:
        raise ConfigError('smtp.auth = "oauth2" needs smtp.user: the mailbox address the token may send as')
    if "xoauth2" not in smtp.esmtp_features.get("auth", "").lower().split():
        raise SmtpError(f"{where} does not offer AUTH XOAUTH2 (before TLS?); use smtps:// or smtp.starttls = true")
    source = token_source(settings)
    for force in (False, True):
        token = _token(source, force, where, SmtpError)
        try:
            smtp.auth("XOAUTH2", _responder(user, token.access_token))
            return
        except smtplib.SMTPAuthenticationError as exc:
            text = (
                exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
            )
            if exc.smtp_code == 454 or force:  # 454: temporary; or a fresh token refused too
                hint = (
                    "it will be tried again"
                    if exc.smtp_code == 454
                    else f"check the app's SMTP.Send permission, then {RELOGIN}"
                )
                raise SmtpError(
                    f"{where} refused the OAuth 2.0 token for {user} ({exc.smtp_code} {text}); {hint} "
                    "(messages stay queued)"
                ) from None


def _responder(user: str, access_token: str) -> Any:
    def respond(challenge: bytes | None = None) -> str:
        # First call: the initial response. A second call carries the server's error
        # details (base64 JSON); XOAUTH2 then wants an empty line, and a 535 follows.
        return xoauth2_string(user, access_token) if challenge is None else ""

    return respond


def _token(source: Any, force: bool, where: str, error: type) -> Token:
    try:
        return source.token(force_refresh=force)
    except AuthError as exc:
        raise error(f"cannot log in to {where} with OAuth 2.0: {exc}") from None
