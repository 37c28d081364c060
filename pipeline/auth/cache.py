"""The token cache file: JSON, readable by its owner only (0600), replaced atomically.

It holds refresh tokens, so it is never written anywhere else (not the database,
not a log) and its permissions are put right if someone loosened them.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from typing import Any

from pipeline.errors import AuthError

log = logging.getLogger(__name__)
FORMAT_VERSION = 1


class TokenCacheFile:
    """One cache file for one (provider, client id, flow); another owner's content is ignored."""

    def __init__(self, path: Path, owner: dict[str, str]) -> None:
        self.path = Path(path)
        self.owner = owner

    def load(self) -> dict[str, Any]:
        """Our part of the file, or {} when there is none yet."""
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            return {}
        if stat.S_IMODE(mode) & 0o077:
            log.warning("token cache %s was readable by others: set to 0600", self.path)
            os.chmod(self.path, 0o600)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise AuthError(
                f"cannot read the token cache {self.path}: {exc}; delete it and run `mln auth login` again"
            ) from None
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION or data.get("owner") != self.owner:
            return {}  # written for another app registration or flow: start afresh
        content = data.get("data")
        return content if isinstance(content, dict) else {}

    def save(self, content: dict[str, Any]) -> None:
        """Write atomically with mode 0600 from the first byte (never world-readable, even briefly)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        body = json.dumps({"version": FORMAT_VERSION, "owner": self.owner, "data": content}, sort_keys=True)
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), 0o600)  # O_CREAT's mode is only used for a new file
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise AuthError(f"cannot write the token cache {self.path}: {exc}; check oauth2.token_cache") from None

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
