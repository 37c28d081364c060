"""Write the site's files, skipping any whose content is unchanged since the last build.

The folder keeps a manifest (.mln-site.json) of each file's SHA-256 as last
written. A file is rewritten only when its new content hashes differently (or
it has gone missing); files the last build wrote that this build no longer
produces (an item no longer shared, say) are removed. Files the build never
wrote are left alone. Each write goes to a temporary name and is renamed into
place, so a reader or web server never sees half a page.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".mln-site.json"


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


class SiteWriter:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.previous = _read_manifest(root / MANIFEST)
        self.current: dict[str, str] = {}
        self.report = WriteReport()

    def write(self, path: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        digest = hashlib.sha256(data).hexdigest()
        self.current[path] = digest
        target = self.root / path
        if self.previous.get(path) == digest and target.is_file():
            self.report.unchanged += 1
            return
        _atomic_write(target, data)
        self.report.written.append(path)

    def finish(self) -> WriteReport:
        for path in sorted(set(self.previous) - set(self.current)):
            target = self.root / path
            if target.is_file():
                target.unlink()
            self.report.removed.append(path)
        _atomic_write(self.root / MANIFEST, json.dumps(self.current, indent=0, sort_keys=True).encode("utf-8"))
        return self.report


def _read_manifest(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no usable manifest: every file is written
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, target)
