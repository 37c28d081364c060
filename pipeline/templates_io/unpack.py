"""Attachments that hold other attachments: Outlook's winmail.dat (TNEF) and .zip archives.

Outlook sending Rich Text wraps every attachment in one `winmail.dat`
(application/ms-tnef); members zip several forms together. Both are opened
here, inside the same limits as an Office file (entry count, unpacked size,
compression ratio, checked from the zip's central directory before anything is
inflated), and the files inside are read like any other attachment. Only one
level is opened: a container inside a container is refused, not unpacked.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from pipeline.config import LimitSettings
from pipeline.errors import Damaged, Encrypted, UnsafeArchive
from pipeline.templates_io.safety import RESEND, ZIP_MAGICS, check_zip_limits, extension

TNEF_MAGIC = b"\x78\x9f\x3e\x22"
TNEF_TYPES = ("application/ms-tnef", "application/vnd.ms-tnef")
ZIP_TYPES = ("application/zip", "application/x-zip-compressed", "application/x-zip")
# More files than this in one container is not a bundle of forms; the rest are not read.
MAX_INNER_FILES = 50
# Files a zip made on a Mac or in Windows carries beside the real ones.
_JUNK = ("__macosx/", ".ds_store", "thumbs.db", "desktop.ini")


@dataclass(frozen=True)
class Inner:
    """One file found inside a container."""

    filename: str
    data: bytes


def container_kind(filename: str, content_type: str, data: bytes) -> str | None:
    """'tnef' or 'zip' when the attachment is a container of other files, else None."""
    if data.startswith(TNEF_MAGIC) or content_type.lower() in TNEF_TYPES:
        return "tnef"
    if extension(filename) == "zip" or (content_type.lower() in ZIP_TYPES and data.startswith(ZIP_MAGICS)):
        return "zip"
    return None


def unpack(filename: str, kind: str, data: bytes, limits: LimitSettings) -> list[Inner]:
    """The files inside a container, checked against the limits; raises a TemplateError for the sender."""
    name = filename or "the attachment"
    inner = _tnef(name, data) if kind == "tnef" else _zip(name, data, limits)
    total = sum(len(f.data) for f in inner)
    if total > limits.zip_max_total_bytes:
        raise UnsafeArchive(f"{name} unpacks to far more data than forms hold, so we did not open it. {RESEND}")
    return inner


def _tnef(name: str, data: bytes) -> list[Inner]:
    import tnefparse

    try:
        parsed = tnefparse.TNEF(data, do_checksum=False)
    except Exception:  # noqa: BLE001 - tnefparse raises ValueError, struct.error, IndexError ... on damaged input
        raise Damaged(f"{name} (an Outlook winmail.dat) is damaged and cannot be opened. {RESEND}") from None
    found = []
    for attachment in parsed.attachments[:MAX_INNER_FILES]:
        if getattr(attachment, "embed", None) is not None or not attachment.data:
            continue  # an embedded Outlook message: its own attachments are not unpacked
        found.append(Inner(_clean_name(_tnef_name(attachment)), bytes(attachment.data)))
    return found


def _tnef_name(attachment) -> str:  # type: ignore[no-untyped-def]
    try:
        long = attachment.long_filename()
    except (UnicodeError, AttributeError):
        long = ""
    if isinstance(long, bytes):
        long = long.decode("cp1252", "replace")
    try:
        short = attachment.name
    except UnicodeError:
        short = ""
    return str(long or short or "attachment").strip("\x00")


def _zip(name: str, data: bytes, limits: LimitSettings) -> list[Inner]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError):
        raise Damaged(f"{name} is damaged or cut short, so we could not open it. {RESEND}") from None
    check_zip_limits(name, infos, len(data), limits)
    files = [info for info in infos if not info.is_dir() and not _junk(info.filename)]
    if any(info.flag_bits & 0x1 for info in files):
        raise Encrypted(f"{name} is protected with a password, so we cannot open it. {RESEND}")
    found = []
    for info in files[:MAX_INNER_FILES]:
        try:
            with archive.open(info) as handle:
                content = handle.read(info.file_size + 1)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError):
            raise Damaged(f"{name} is damaged (its part {info.filename} cannot be read). {RESEND}") from None
        if len(content) > info.file_size:  # more than it declared: not a zip we trust
            raise UnsafeArchive(f"{name} is not what it says it is, so we did not open it. {RESEND}")
        found.append(Inner(_clean_name(info.filename), content))
    return found


def _junk(path: str) -> bool:
    lowered = path.lower()
    return (
        lowered.startswith(_JUNK[0])
        or PurePosixPath(lowered).name in _JUNK[1:]
        or PurePosixPath(path).name.startswith("._")
    )


def _clean_name(path: str) -> str:
    """The file's own name, without the folders it sat in (and never a path to follow)."""
    return PurePosixPath(path.replace("\\", "/")).name[:200] or "attachment"
