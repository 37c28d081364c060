"""What every mailbox source offers the poll loop."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Protocol, Self

from pipeline.mail import Fetched


@dataclass
class MailboxAction:
    """What to do with recorded messages after commit: move them, and/or add flags."""

    locations: list[str]
    move_to: str = ""
    flags: tuple[str, ...] = ()
    uids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Sought:
    """A recorded message to find again in a folder it was moved to after commit (e.g. Held).

    Its UID there is unknown (and changes if the folder is rebuilt), so it is found by
    Message-ID and size, and proven by the SHA-256 recorded when it was fetched: of the
    whole message, or of its headers alone when it was over the size limit (`headers_only`).
    """

    id: int
    location: str  # where it was fetched; a Maildir key stays the same in every folder
    message_id: str
    size: int
    sha256: str
    headers_only: bool = False


class MailSource(Protocol):
    @property
    def key(self) -> str:
        """Identifies the mailbox in the database (no password)."""

    folder: str

    def __enter__(self) -> Self: ...
    def __exit__(self, *exc: object) -> None: ...

    def epoch(self) -> int:
        """UIDVALIDITY for IMAP; a constant for sources without one."""

    def new_locations(self, last_uid: int) -> list[tuple[str, int | None]]:
        """Messages not yet seen: (location, uid), oldest first."""

    def fetch(self, locations: list[tuple[str, int | None]], max_message_bytes: int) -> Iterator[Fetched]:
        """Bytes of each message, in batches sized by count and bytes."""

    def present(self, locations: list[tuple[str, int | None]]) -> set[str]:
        """Which of these locations still hold a message in the folder."""

    def apply(self, action: MailboxAction) -> None:
        """Move and/or flag messages. Creates the target folder if missing."""

    def move_found(self, folder: str, sought: list[Sought], move_to: str, flags: tuple[str, ...] = ()) -> set[int]:
        """Flag and move those of `sought` found in `folder` to `move_to`; the ids of those found."""


class IdleMailSource(MailSource, Protocol):
    """A source that can wait for new mail (IMAP); a Maildir has no IDLE and is polled instead."""

    def supports_idle(self) -> bool:
        """Whether the server offers IDLE (asked on an open connection)."""

    def wait_for_new_mail(
        self, timeout: float, last_uid: int = 0, should_stop: Callable[[], bool] | None = None, tick: float = 1.0
    ) -> bool:
        """Wait up to `timeout` seconds; True when the folder has (or gets) a UID above `last_uid`."""
