"""Checks made before any parser sees a file: size, what it really is, zip bombs, DTDs, encryption.

Office (.docx/.xlsx) and ODF (.odt/.ods) files are zips. Their entry count,
declared uncompressed size and compression ratio are checked from the central
directory before anything is decompressed; readers then read through
`zipfile`, which never inflates an entry past its declared size. Every XML part
is checked for a DOCTYPE before it is parsed, so no entity is ever expanded.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from pipeline.config import LimitSettings
from pipeline.errors import (
    Damaged,
    EmptyFile,
    Encrypted,
    LegacyFormat,
    TooLarge,
    UnsafeArchive,
    UnsafeXml,
    Unsupported,
    WrongContent,
)

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

# The kinds we read, by extension. Macro-enabled and template variants read as their base kind.
KIND_BY_EXT = {
    "docx": "docx",
    "docm": "docx",
    "dotx": "docx",
    "dotm": "docx",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "xltx": "xlsx",
    "xltm": "xlsx",
    "odt": "odt",
    "ott": "odt",
    "ods": "ods",
    "ots": "ods",
    "csv": "csv",
    "txt": "text",
    "text": "text",
}
LEGACY_EXT = {"doc": "Word", "xls": "Excel", "dot": "Word", "xlt": "Excel"}
# Pictures: a photo or scan of a form is worth a word to the sender, as it cannot be read.
IMAGE_EXT = {"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "heic", "heif", "webp"}
# Not forms and not meant as forms: Outlook's drawing parts, calendar and contact cards, signatures.
IGNORED_EXT = {
    "emf",
    "wmf",
    "ics",
    "vcf",
    "p7s",
    "asc",
    "sig",
    "svg",
}
APPLE_EXT = {"pages": "an Apple Pages document", "numbers": "an Apple Numbers spreadsheet", "key": "a Keynote file"}
_SIGNATURES = (
    (b"%PDF", "a PDF file"),
    (b"{\\rtf", "an RTF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
)
# No form's text part comes near this; a bigger one would only cost memory and time to parse.
MAX_XML_PART_BYTES = 10 * 1024 * 1024
RESEND = (
    "Please send the Word or Excel form (.docx or .xlsx; OpenDocument and CSV also work), "
    "or type the answers into the body of an email."
)


@dataclass(frozen=True)
class Checked:
    """What a file turned out to be, once it passed the checks."""

    kind: str  # docx | xlsx | odt | ods | csv | text | pdf
    zip: zipfile.ZipFile | None = None
    macros: bool = False


def extension(filename: str) -> str:
    return PurePath(filename or "").suffix.lower().lstrip(".")


def describe_content(data: bytes) -> str:
    """A few words for what the bytes are, judged from their first bytes."""
    if data.startswith(OLE_MAGIC):
        return "an older Office file (.doc or .xls)"
    if data.startswith(ZIP_MAGICS):
        return "a zip archive"
    for magic, words in _SIGNATURES:
        if data.startswith(magic):
            return words
    return "some other kind of file"


def check_file(filename: str, data: bytes, limits: LimitSettings) -> Checked | None:
    """Decide how to read the file, or raise a TemplateError saying why not. None: not a form at all (a logo)."""
    name = filename or "the attachment"
    ext = extension(filename)
    if not data:
        raise EmptyFile(f"The attachment {name} is empty (0 bytes); please attach the completed form again.")
    if len(data) > limits.max_attachment_bytes:
        raise TooLarge(
            f"The attachment {name} is {mb(len(data))}, over our limit of {mb(limits.max_attachment_bytes)}; "
            "please remove pictures from the form or send its text in the body of an email."
        )
    if ext in IGNORED_EXT:
        return None
    if ext in IMAGE_EXT or (ext not in KIND_BY_EXT and data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8"))):
        raise Unsupported(
            f"We could not read {name}: it is a picture, and we cannot read a form from a photo or a scan. {RESEND}"
        )
    if data.startswith(OLE_MAGIC):
        return _ole(name, ext, data)
    kind = KIND_BY_EXT.get(ext)
    if ext in LEGACY_EXT:
        raise WrongContent(
            f"{name} is named as an older {LEGACY_EXT[ext]} file but is really {describe_content(data)}. {RESEND}"
        )
    if kind in ("docx", "xlsx", "odt", "ods"):
        return _zip(name, ext, kind, data, limits)
    if kind in ("csv", "text"):
        if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise WrongContent(f"{name} is named as a text file but is really {describe_content(data)}. {RESEND}")
        return Checked(kind)
    if data.startswith(b"%PDF"):
        return Checked("pdf")  # a fillable PDF form is read; any other PDF is refused by its reader
    if ext in APPLE_EXT:
        raise Unsupported(f"We could not read {name} ({APPLE_EXT[ext]}). {RESEND}")
    if ext in ("pdf", "rtf", "wps", "wpd") or data.startswith(b"{\\rtf"):
        raise Unsupported(f"We could not read {name} ({describe_content(data)}). {RESEND}")
    return None


def _ole(name: str, ext: str, data: bytes) -> Checked:
    if ENCRYPTION_INFO in data:
        raise Encrypted(
            f"{name} is protected with a password, so we cannot open it. Please save a copy without the "
            "password (in Word or Excel: File > Info > Protect > remove the password) and send that."
        )
    if ext in LEGACY_EXT:
        raise LegacyFormat(
            f"We could not read {name}: it is an older {LEGACY_EXT[ext]} file (.{ext}). Please save it as "
            f"{'.docx' if LEGACY_EXT[ext] == 'Word' else '.xlsx'} (File > Save As) and send it again, "
            "or fill in the Word or Excel form."
        )
    raise WrongContent(
        f"{name} is named .{ext} but is really an older Office file (.doc or .xls). Please open it and save it "
        "as .docx or .xlsx (File > Save As), then send it again."
    )


def _zip(name: str, ext: str, kind: str, data: bytes, limits: LimitSettings) -> Checked:
    if not data.startswith(ZIP_MAGICS):
        raise WrongContent(f"{name} is named .{ext} but is really {describe_content(data)}. {RESEND}")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError):
        raise Damaged(
            f"{name} appears to be damaged or cut short (it is not a complete .{ext} file). "
            "Please save the form again and re-attach it."
        ) from None
    check_zip_limits(name, infos, len(data), limits)
    if any(info.flag_bits & 0x1 for info in infos):
        raise Encrypted(
            f"{name} is protected with a password, so we cannot open it. Please send a copy without the password."
        )
    actual = _zip_kind(archive)
    if actual is None:
        raise WrongContent(f"{name} is named .{ext} but is not a Word, Excel or OpenDocument file inside. {RESEND}")
    if actual != kind:
        raise WrongContent(
            f"{name} is named .{ext} but is really a .{actual} file. Please save it with the right name "
            f"(.{actual}) and send it again."
        )
    if kind in ("odt", "ods") and _odf_encrypted(archive):
        raise Encrypted(
            f"{name} is protected with a password, so we cannot open it. Please save a copy without the "
            "password (File > Properties > Security, or Save As without 'Save with password') and send that."
        )
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            check_xml_prolog(name, archive, info)
    macros = any(
        info.filename.lower().endswith("vbaproject.bin") or info.filename.startswith("Basic/") for info in infos
    )
    return Checked(kind, archive, macros)


def check_zip_limits(name: str, infos: list[zipfile.ZipInfo], packed: int, limits: LimitSettings) -> None:
    total = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos)
    ratio = total / max(compressed, 1)
    biggest = max(
        (info.file_size / max(info.compress_size, 1) for info in infos if info.file_size > 1_000_000), default=0
    )
    xml_part = max((info.file_size for info in infos if info.filename.lower().endswith(".xml")), default=0)
    if (
        len(infos) > limits.zip_max_entries
        or total > limits.zip_max_total_bytes
        or max(ratio, biggest) > limits.zip_max_ratio
        or xml_part > MAX_XML_PART_BYTES
    ):
        raise UnsafeArchive(
            f"{name} unpacks to far more data than a form holds ({len(infos)} parts, {mb(total)} from "
            f"{mb(packed)}), so we did not open it. Please send the form as a plain .docx or .xlsx file."
        )


def _zip_kind(archive: zipfile.ZipFile) -> str | None:
    names = set(archive.namelist())
    if "mimetype" in names:
        mimetype = _read(archive, "mimetype", 200).decode("ascii", "replace").strip()
        if mimetype.startswith("application/vnd.oasis.opendocument.text"):
            return "odt"
        if mimetype.startswith("application/vnd.oasis.opendocument.spreadsheet"):
            return "ods"
        return None
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
    return None


def _odf_encrypted(archive: zipfile.ZipFile) -> bool:
    try:
        manifest = _read(archive, "META-INF/manifest.xml", 2_000_000)
    except KeyError:
        return False
    return b"encryption-data" in manifest


def _read(archive: zipfile.ZipFile, member: str, limit: int) -> bytes:
    with archive.open(member) as handle:
        return handle.read(limit)


_PROLOG_SKIP = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)


def check_xml_prolog(name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse an XML part that declares a DTD (where entities and external references live).

    A DOCTYPE can only come before the root element, after whitespace, the XML
    declaration, comments and processing instructions; we skip exactly those.
    """
    with archive.open(info) as handle:
        head = handle.read(256 * 1024)
    text = _decode_head(head)
    pos = 0
    while True:
        match = _PROLOG_SKIP.match(text, pos)
        if not match or match.end() == pos:
            break
        pos = match.end()
    rest = text[pos : pos + 20].upper()
    if rest.startswith("<!DOCTYPE") or rest.startswith("<!ENTITY"):
        raise UnsafeXml(
            f"{name} contains XML with a document type declaration, which forms never have, so we did not "
            "open it. Please save the form again from Word, Excel or LibreOffice and send it again."
        )
    if pos >= len(text) and len(head) == 256 * 1024:
        raise UnsafeXml(f"{name} contains XML we cannot read safely. Please save the form again and send it again.")


def _decode_head(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", "replace")
    return head.decode("utf-8", "replace")


def mb(size: int) -> str:
    """A size in words: '1.5 MB', '12 KB'."""
    return f"{size / 1024 / 1024:.1f} MB" if size >= 100 * 1024 else f"{max(size // 1024, 1)} KB"
