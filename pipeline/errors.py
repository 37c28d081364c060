"""The project's exceptions, kept together under one base class.

Each message tells the user what to do next. The CLI turns these into one line
on stderr and the exit code named by `exit_code`.
"""

from __future__ import annotations


class MlnError(Exception):
    """Base class for every error MLN Bulletin reports to a user."""

    exit_code = 1


class ConfigError(MlnError):
    """A setting is missing or malformed."""

    exit_code = 2


class ConfigNotFound(ConfigError):
    """No config file was given or found; the message names where we looked."""


class RulesError(MlnError):
    """An inbox rules file cannot be used."""

    exit_code = 2


class MailboxError(MlnError):
    """The mailbox cannot be reached or refused a command."""

    exit_code = 3


class SmtpError(MlnError):
    """The SMTP server cannot be reached or refused us."""

    exit_code = 3


class NotFound(MlnError):
    """No record has the id or address the user gave."""


class WrongState(MlnError):
    """The record is not in a state that allows this action."""


class Suppressed(WrongState):
    """The address is on the suppression list: it may not be added or imported, only rejoin by itself."""


class InvalidInput(MlnError):
    """A value the user gave does not pass validation."""


class ApprovalRefused(MlnError):
    """An edition is empty for an audience that would receive it, or its period has not started."""


class SendRefused(MlnError):
    """A by-hand send of an edition empty for a list, or still waiting for an approver or its send-at time."""


class TemplateError(MlnError):
    """A reporting template could not be read; the message says why, in words for the sender."""


class HoldMessage(Exception):
    """Raised by a handler: keep this message for a person, with a reason. Not an error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AuthError(MlnError):
    """An OAuth 2.0 token could not be obtained; the message says what to do next."""

    exit_code = 3


class SiteMissing(MlnError):
    """There is no built site to serve; run `mln site build -o DIR` first."""


class WrongEdition(MlnError):
    """The site folder holds an edition `mln web` was not told to serve."""


class BulletinTemplateError(MlnError):
    """The bulletin templates are missing or broken; check paths.templates_dir."""


class SpoolError(MlnError):
    """Some queued messages could not be written to the outbox folder; they stay queued."""

    exit_code = 3

    def __init__(self, message: str, spooled: int, failed: int) -> None:
        super().__init__(message)
        self.spooled = spooled
        self.failed = failed


class DatabaseError(MlnError):
    """The database cannot be reached or is not set up."""

    exit_code = 3


class WorkerAlreadyRunning(MlnError):
    """Another worker holds the SQLite lock; only one may run on SQLite."""

    exit_code = 1


class InvalidToken(MlnError):
    """A token was forged, altered, expired, already used or meant for something else."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"token refused: {reason}")
        self.reason = reason


class EmptyFile(TemplateError):
    """The attachment has no content."""


class TooLarge(TemplateError):
    """The attachment is over the size limit."""


class UnsafeArchive(TemplateError):
    """An Office/ODF zip whose entry count, size or compression ratio is beyond the limits (a zip bomb)."""


class UnsafeXml(TemplateError):
    """An XML part declares a DTD or entities, which forms never need."""


class Encrypted(TemplateError):
    """The file is protected with a password."""


class Damaged(TemplateError):
    """The file is truncated or corrupt."""


class WrongContent(TemplateError):
    """The file's content does not match its name (a .docx that is really a PDF)."""


class LegacyFormat(TemplateError):
    """An old .doc or .xls file: we ask for .docx or .xlsx."""


class Unsupported(TemplateError):
    """A kind of file we cannot read forms from (PDF, RTF ...)."""


class BlankForm(TemplateError):
    """The form was recognised but nothing was filled in."""
