"""OAuth 2.0 for the mailbox and SMTP: tokens from Microsoft (MSAL), Google or any standard endpoint (authlib).

    token_source(settings).token()            a current token, renewed before it expires
    imap_oauth2_login(client, user, settings)  SASL XOAUTH2 on an imapclient connection
    smtp_oauth2_login(smtp, user, settings)    AUTH XOAUTH2 on an smtplib connection

A leaf: it imports neither the mailbox nor SMTP. The login check that tries both
(`mln auth`) lives in pipeline/commands/login.py.
"""

from __future__ import annotations

from pipeline.auth.base import RELOGIN, DeviceCode, Token
from pipeline.auth.source import TokenSource, forget_token_sources, token_source
from pipeline.auth.xoauth2 import check_auth_mode, imap_oauth2_login, smtp_oauth2_login, xoauth2_string
from pipeline.errors import AuthError

__all__ = [
    "RELOGIN",
    "AuthError",
    "DeviceCode",
    "Token",
    "TokenSource",
    "check_auth_mode",
    "forget_token_sources",
    "imap_oauth2_login",
    "smtp_oauth2_login",
    "token_source",
    "xoauth2_string",
]
