"""Log setup for the CLI and the worker: readable text, or JSON lines."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

_SECRET_PATTERNS = [
    re.compile(r"(?i)(password|passwd|secret|token|authorization)(\s*[=:]\s*)(\S+)"),
    re.compile(r"(?i)(://[^:/@\s]+:)([^@\s]+)(@)"),
]


def redact(text: str) -> str:
    """Hide anything that looks like a credential in a log line."""
    text = _SECRET_PATTERNS[0].sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _SECRET_PATTERNS[1].sub(lambda m: f"{m.group(1)}***{m.group(3)}", text)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = redact(super().format(record))
        message_id = getattr(record, "message_id", None)
        return f"{line} [message-id {message_id}]" if message_id else line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key in ("message_id", "rule", "outcome", "uid"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["traceback"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure(level: int = logging.WARNING, fmt: str = "text", path: str | None = None) -> None:
    handler: logging.Handler = logging.FileHandler(path, encoding="utf-8") if path else logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger("pipeline")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # mail-parser logs every MIME part it does not render at WARNING; those are
    # not problems for us (the raw message is kept whole).
    logging.getLogger("mailparser").setLevel(logging.ERROR)
