"""Write the site's files, skipping any whose content is unchanged since the last build.

The folder keeps a manifest (.mln-site.json) of the edition it holds (internal or
external, which `mln web` checks) and of each file's SHA-256 as last written. A file
is rewritten only when its new content hashes differently (or it has gone missing);
files the last build wrote that this build no longer produces (an item no longer
shared, say) are removed. Each write goes to a temporary name and is renamed into
place, so a reader or web server never sees half a page.

The manifest is only a file in the folder, and anyone who can write there can edit it:
so a file is removed only when its path is a plain relative one inside the folder,
reached without following a symbolic link, and it still holds exactly what the
manifest says was written. Anything else is left alone and listed as kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pipeline.errors import WrongState

MANIFEST = ".mln-site.json"
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # named by the old manifest, but not ours to delete


@dataclass(frozen=True)
class Manifest:
    audience: str  # "" when the folder does not say (no manifest, or one from before editions were recorded)
    files: dict[str, str]
    build: str = ""  # hash of the templates and settings the pages were made with
    inputs: dict[str, str] = field(default_factory=dict)  # page -> hash of the record it was made from


class SiteWriter:
    def __init__(self, root: Path, audience: str = "", build: str = "", reuse: bool = True) -> None:
        self.root = root
        self.audience = audience
        self.build = build
        old = read_manifest(root)
        self.old = old
        self.previous = old.files
        # Inputs count only for pages made with the same templates and settings (and edition).
        self.reuse = reuse  # False: write every file, as into an empty folder (a full build)
        self.reusing = bool(reuse and build and old.build == build and old.audience == audience)
        self.previous_inputs = old.inputs if self.reusing else {}
        self.current: dict[str, str] = {}
        self.inputs: dict[str, str] = {}
        self.report = WriteReport()
        self._listed: dict[str, set[str]] = {}  # folder -> its files, read once (not a stat per page)

    def keep(self, path: str, inputs: str) -> bool:
        """True (and the page counts as unchanged) when `path` was made from `inputs` and is still there."""
        digest = self.previous.get(path)
        if digest is None or self.previous_inputs.get(path) != inputs or not self._present(path):
            return False
        self.current[path] = digest
        self.inputs[path] = inputs
        self.report.unchanged += 1
        return True

    def _present(self, path: str) -> bool:
        folder, _, name = path.rpartition("/")
        if folder not in self._listed:
            try:
                with os.scandir(self.root / folder) as entries:
                    self._listed[folder] = {e.name for e in entries if e.is_file(follow_symlinks=False)}
            except OSError:
                self._listed[folder] = set()
        return name in self._listed[folder]

    def write(self, path: str, content: str | bytes, inputs: str = "") -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        digest = hashlib.sha256(data).hexdigest()
        self.current[path] = digest
        if inputs:
            self.inputs[path] = inputs
        target = self.root / safe_relative(path)
        if not target.parent.resolve().is_relative_to(self.root.resolve()):
            raise WrongState(
                f"{target.parent} leads out of the site folder {self.root} (a symbolic link?): remove it and build again"
            )
        if self.reuse and self.previous.get(path) == digest and target.is_file():
            self.report.unchanged += 1
            return
        _atomic_write(target, data)
        self.report.written.append(path)

    def finish(self) -> WriteReport:
        for path in sorted(set(self.previous) - set(self.current)):
            if remove_if_written(self.root, path, self.previous[path]):
                self.report.removed.append(path)
            else:
                self.report.kept.append(path)
        if Manifest(self.audience, self.current, self.build, self.inputs) == self.old:
            return self.report  # nothing changed: the manifest already says so
        manifest = {"audience": self.audience, "build": self.build, "files": self.current, "inputs": self.inputs}
        # No indent and no sorting: json's C encoder writes a national site's manifest (tens of MB) at once.
        _atomic_write(self.root / MANIFEST, json.dumps(manifest, separators=(",", ":")).encode("utf-8"))
        return self.report


def read_manifest(root: Path) -> Manifest:
    """The folder's manifest; an empty one when it is missing or unreadable (every file is written)."""
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Manifest("", {})
    if not isinstance(data, dict):
        return Manifest("", {})
    if isinstance(data.get("files"), dict):
        return Manifest(
            str(data.get("audience") or ""),
            _texts(data["files"]),
            str(data.get("build") or ""),
            _texts(data.get("inputs")),
        )
    return Manifest("", _texts(data))  # the first format: files only


def _texts(found: object) -> dict[str, str]:
    """`found` if it maps text to text (as we write it), else each entry made text; {} if not a mapping."""
    if not isinstance(found, dict):
        return {}
    if all(type(value) is str for value in found.values()):  # JSON keys are always text
        return found
    return {str(k): str(v) for k, v in found.items()}  # edited by hand: compare as text, never crash


def safe_relative(path: str) -> PurePosixPath:
    """`path` as a plain relative path (no '..', '.', empty or absolute parts); else ValueError."""
    pure = PurePosixPath(path)
    if not path or "\x00" in path or pure.is_absolute() or any(part in ("", ".", "..") for part in path.split("/")):
        raise ValueError(f"not a plain relative path inside the site: {path!r}")
    return pure


def remove_if_written(root: Path, path: str, digest: str) -> bool:
    """Delete root/path if it is a regular file inside root (no link followed) holding what we wrote.

    True when it is gone (deleted now, or already missing); False when it was left alone.
    """
    try:
        parts = safe_relative(path).parts
    except ValueError:
        return False
    fds = [os.open(root, _DIR_FLAGS)]
    try:
        for part in parts[:-1]:
            fds.append(os.open(part, _DIR_FLAGS, dir_fd=fds[-1]))
        return _remove_file(fds[-1], parts[-1], digest)
    except FileNotFoundError:
        return True
    except OSError:  # a link where a folder should be, or no permission: not ours to touch
        return False
    finally:
        for fd in fds:
            os.close(fd)


def _remove_file(folder_fd: int, name: str, digest: str) -> bool:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder_fd)  # never wait on a FIFO
    except FileNotFoundError:
        return True
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return False
        if hashlib.file_digest(handle, "sha256").hexdigest() != digest:
            return False  # changed since we wrote it: someone else's now
    os.unlink(name, dir_fd=folder_fd)
    return True


def _atomic_write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp{os.getpid()}")
    temporary.write_bytes(data)
    os.replace(temporary, target)
