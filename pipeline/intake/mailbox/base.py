"""What every mailbox source offers the poll loop."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Protocol

from pipeline.mail import Fetched


@dataclass
class MailboxAction:
    """What to do with recorded messages after commit: move them, and/or add flags."""

    locations: list[str]
    move_to: str = ""
    flags: tuple[str, ...] = ()
    uids: list[int] = field(default_factory=list)


class MailSource(Protocol):
    key: str  # identifies the mailbox in the database (no password)
    folder: str

    def __enter__(self) -> "MailSource": ...
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
