"""A local Maildir (stdlib `mailbox`), for the demo and for sites that deliver to disk.

Maildir has no UIDs: a message's key is its location, and "new" is whatever is
still in the top folder (processed messages are moved into subfolders).
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipeline.config import Settings
from pipeline.errors import MailboxError
from pipeline.intake.mailbox.base import Fetched, MailboxAction, Sought

_IMAP_TO_MAILDIR_FLAGS = {"\\Seen": "S", "\\Flagged": "F", "\\Answered": "R", "\\Deleted": "T", "\\Draft": "D"}


@dataclass
class MaildirSource:
    path: Path
    folder: str = "INBOX"
    box: mailbox.Maildir | None = field(default=None, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> MaildirSource:
        raw = unquote(urlsplit(settings.mailbox.url).path)
        # maildir:///abs/path is absolute; maildir://./rel or maildir:rel is relative to the config file
        netloc = urlsplit(settings.mailbox.url).netloc
        path = Path(netloc + raw) if netloc == "." else Path(raw)
        if not path.is_absolute():
            path = Path(settings.base_dir, path)
        return cls(path=path)

    @property
    def key(self) -> str:
        return f"maildir://{self.path}"

    def __enter__(self) -> MaildirSource:
        try:
            self.box = mailbox.Maildir(self.path, create=True)
        except OSError as exc:
            raise MailboxError(f"cannot open the Maildir at {self.path}: {exc}") from exc
        return self

    def __exit__(self, *exc: object) -> None:
        self.box = None

    def _box(self) -> mailbox.Maildir:
        if self.box is None:
            raise MailboxError(f"{self.key}: not open")
        return self.box

    def epoch(self) -> int:
        return 1

    def new_locations(self, last_uid: int) -> list[tuple[str, int | None]]:
        keys = list(self._box().iterkeys())
        # Delivery order: Maildir names start with the delivery time.
        return [(key, None) for key in sorted(keys)]

    def fetch(self, locations: list[tuple[str, int | None]], max_message_bytes: int) -> Iterator[Fetched]:
        box = self._box()
        for key, _ in locations:
            try:
                with box.get_file(key) as handle:
                    raw = handle.read(max_message_bytes + 1)
            except (KeyError, FileNotFoundError):
                continue  # moved away by another reader
            if len(raw) > max_message_bytes:
                size = len(raw) + _remaining_size(box, key, len(raw))
                yield Fetched(key, None, _headers_only(raw), size, truncated=True)
            else:
                yield Fetched(key, None, raw, len(raw))

    def present(self, locations: list[tuple[str, int | None]]) -> set[str]:
        box = self._box()
        return {key for key, _ in locations if key in box}

    def apply(self, action: MailboxAction) -> None:
        box = self._box()
        target = self._folder(action.move_to) if action.move_to else None
        for key in action.locations:
            if key not in box:
                continue
            _add_flags(box, key, action.flags)
            if target is not None:
                self._move(key, target)

    def move_found(self, folder: str, sought: list[Sought], move_to: str, flags: tuple[str, ...] = ()) -> set[int]:
        # A Maildir key is the same in every folder: no searching needed.
        name = folder.replace("/", ".")
        if name not in self._box().list_folders():
            return set()
        source = self._box().get_folder(name)
        target = self._folder(move_to)
        found = set()
        for item in sought:
            if item.location in source:
                _add_flags(source, item.location, flags)
                _rename(source, item.location, target)
                found.add(item.id)
        return found

    def _folder(self, name: str) -> mailbox.Maildir:
        box = self._box()
        maildir_name = name.replace("/", ".")
        return box.get_folder(maildir_name) if maildir_name in box.list_folders() else box.add_folder(maildir_name)

    def _move(self, key: str, target: mailbox.Maildir) -> None:
        _rename(self._box(), key, target)


def _rename(box: mailbox.Maildir, key: str, target: mailbox.Maildir) -> None:
    # One rename: atomic, so a crash leaves the message in exactly one folder.
    source = Path(box._path, box._lookup(key))  # type: ignore[attr-defined]
    info = source.name.split(":", 1)[1] if ":" in source.name else "2,"
    os.replace(source, Path(target._path, "cur", f"{key}:{info}"))
    box._refresh()  # type: ignore[attr-defined]  # the rename bypassed the Maildir object's own table of contents


def _add_flags(box: mailbox.Maildir, key: str, flags: tuple[str, ...]) -> None:
    letters = [_IMAP_TO_MAILDIR_FLAGS[f] for f in flags if f in _IMAP_TO_MAILDIR_FLAGS]
    if letters:
        message = box[key]
        for letter in letters:
            message.add_flag(letter)
        box[key] = message


def _headers_only(raw: bytes) -> bytes:
    end = raw.find(b"\r\n\r\n")
    end = raw.find(b"\n\n") if end < 0 else end
    return raw[: end + 4] if end >= 0 else raw[:65536]


def _remaining_size(box: mailbox.Maildir, key: str, read: int) -> int:
    try:
        return max(0, Path(box._path, box._lookup(key)).stat().st_size - read)  # type: ignore[attr-defined]
    except (OSError, KeyError):
        return 0
