"""OAuth 2.0 for the mailbox and SMTP: tokens from Microsoft (MSAL), Google or any standard endpoint (authlib).

    token_source(settings).token()            a current token, renewed before it expires
    imap_oauth2_login(client, user, settings)  SASL XOAUTH2 on an imapclient connection
    smtp_oauth2_login(smtp, user, settings)    AUTH XOAUTH2 on an smtplib connection
    start_login / wait_for_login / auth_status what `mln auth` calls
"""
from __future__ import annotations

from .base import RELOGIN, AuthError, DeviceCode, Token
from .login import AuthStatus, LoginCheck, auth_status, start_login, wait_for_login
from .source import TokenSource, forget_token_sources, token_source
from .xoauth2 import check_auth_mode, imap_oauth2_login, smtp_oauth2_login, xoauth2_string

__all__ = [
    "RELOGIN", "AuthError", "AuthStatus", "DeviceCode", "LoginCheck", "Token", "TokenSource", "auth_status",
    "check_auth_mode", "forget_token_sources", "imap_oauth2_login", "smtp_oauth2_login", "start_login",
    "token_source", "wait_for_login", "xoauth2_string",
]
