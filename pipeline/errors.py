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


class InvalidInput(MlnError):
    """A value the user gave does not pass validation."""


class TemplateError(MlnError):
    """A reporting template could not be read; the message says why, in words for the sender."""


class HoldMessage(Exception):
    """Raised by a handler: keep this message for a person, with a reason. Not an error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
