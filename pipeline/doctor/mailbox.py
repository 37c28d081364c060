"""The polled mailbox: reachable, and it lets us in (a password, or an OAuth 2.0 token)."""

from __future__ import annotations

from pipeline.config import Settings
from pipeline.doctor.checks import Check, failed, from_error, passed
from pipeline.errors import MlnError
from pipeline.intake.mailbox import open_source
from pipeline.intake.mailbox.maildir import MaildirSource
from pipeline.logs import redact


def check_name(settings: Settings) -> str:
    return "mailbox login (OAuth 2.0)" if settings.mailbox.auth == "oauth2" else "mailbox login"


def check_mailbox(settings: Settings) -> Check:
    name = check_name(settings)
    try:
        source = open_source(settings)
        if isinstance(source, MaildirSource) and not source.path.is_dir():
            # Opening would create it, and then wait forever for mail nothing delivers there.
            return failed(
                name,
                f"the Maildir {source.path} does not exist",
                "point mailbox.url at the folder your mail server delivers the shared mailbox to",
            )
        with source:
            source.epoch()  # the folder is there and can be read
    except MlnError as exc:
        return from_error(name, exc)
    return passed(name, f"{redact(settings.mailbox.url)}: logged in, folder {source.folder} readable")
