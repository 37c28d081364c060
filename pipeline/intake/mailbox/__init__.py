"""Mailbox sources: IMAP (imapclient) and a local Maildir, with the same interface."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from pipeline.config import Settings
from pipeline.errors import ConfigError
from pipeline.intake.mailbox.base import Fetched, MailboxAction, MailSource, Sought


def open_source(settings: Settings) -> MailSource:
    """The source named by mailbox.url: imap://, imaps:// or maildir://."""
    url = settings.mailbox.url
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("imap", "imaps"):
        from pipeline.intake.mailbox.imap import ImapSource

        return ImapSource.from_settings(settings)
    if scheme == "maildir":
        from pipeline.intake.mailbox.maildir import MaildirSource

        return MaildirSource.from_settings(settings)
    raise ConfigError(
        f"mailbox.url {url!r} in {settings.source}: use imap://user@host:port/INBOX, imaps://... or maildir:///path"
    )


def folder_from_url(url: str, default: str = "INBOX") -> str:
    path = unquote(urlsplit(url).path).strip("/")
    return path or default


__all__ = ["Fetched", "MailboxAction", "MailSource", "Sought", "open_source", "folder_from_url"]
