"""The demo's mail server: an SMTP sink on a loopback port, inside this process.

Whatever the demo sends is accepted and written to a folder as .eml files, so a
person can open each one; nothing leaves the machine. aiosmtpd comes with the
test extra (`make demo` installs it); without it the demo leaves its mail
queued in the on-disk outbox instead.
"""

from __future__ import annotations

import re
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

_UNSAFE = re.compile(r"[^A-Za-z0-9@._+-]")


@dataclass
class Received:
    recipients: list[str]
    data: bytes
    file: Path


@dataclass
class _Handler:
    folder: Path
    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        data = envelope.original_content or envelope.content
        recipients = [str(r) for r in envelope.rcpt_tos]
        with self.lock:
            # Numbered in arrival order; named after the first recipient so a folder listing reads well.
            name = f"{len(self.messages) + 1:03d}-{_UNSAFE.sub('_', recipients[0] if recipients else 'nobody')}.eml"
            path = self.folder / name
            path.write_bytes(data)
            self.messages.append(Received(recipients, data, path))
        return "250 2.0.0 accepted by the demo sink"


class SmtpSink:
    """Start with `with SmtpSink(folder) as sink:`; `sink.url` is what [smtp] url would say."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._handler = _Handler(folder)
        self._controller: Any = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list[Received]:
        return list(self._handler.messages)

    def __enter__(self) -> SmtpSink:
        from aiosmtpd.controller import Controller

        self.port = _free_port()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def sink_available() -> bool:
    try:
        import aiosmtpd.controller  # noqa: F401
    except ImportError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
