"""PDF forms: the fields of a fillable PDF (AcroForm), read as a table of label | value rows.

A PDF made by printing a form, or a scan, has no fields: its layout cannot be
read back reliably, so the sender is asked for the Word or Excel form instead.
A field is known by its tooltip (what a PDF editor shows as its label) or by its
name; a ticked box reads "Yes", an unticked one nothing, and a radio group its
chosen option. pypdf parses without running anything the file contains.
"""

from __future__ import annotations

import io
import logging
import re

from pipeline.errors import Encrypted, Unsupported
from pipeline.templates_io.safety import RESEND

# A form has a few dozen fields; a file with thousands is not one.
MAX_FIELDS = 500
_OFF = {"", "off", "no", "false", "0"}
TICKED, UNTICKED = "\u2612", "\u2610"  # ☒ ☐, as the Word reader writes a tick box
_OPTION = re.compile(
    r"[\s\-:?]+(yes|no|planned|being implemented|implemented|not (?:yet )?(?:started|implemented))\s*$", re.I
)


def pdf_rows(data: bytes, filename: str) -> list[list[str]]:
    """[label, value] per field of the PDF's form; raises Unsupported when the PDF has no form to read."""
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf warns at length about every odd file
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Encrypted(f"{filename} is protected with a password, so we cannot open it. {RESEND}")
        fields = reader.get_fields() or {}
    except Encrypted:
        raise
    except Exception:  # noqa: BLE001 - pypdf raises many kinds for damaged or odd files
        fields = {}
    rows = _merge_options(
        [row for row in (_row(name, spec) for name, spec in list(fields.items())[:MAX_FIELDS]) if row]
    )
    if not rows:
        raise Unsupported(
            f"We could not read {filename}: it is a PDF, not a fillable form, and we cannot read answers from it. "
            f"{RESEND}"
        )
    return rows


def _row(name: str, spec: dict) -> list[str] | None:
    if spec.get("/Kids") and spec.get("/V") is None and spec.get("/FT") is None:
        return None  # a group of fields: its children are listed on their own
    label = str(spec.get("/TU") or spec.get("/T") or name).strip()
    value = spec.get("/V")
    if spec.get("/FT") == "/Btn":
        option = _OPTION.search(label)
        if option and option.start():  # one box per answer: "Share externally - No"
            mark = TICKED if _button(value) not in ("", "No") else UNTICKED
            return [label[: option.start()].strip(" -:?"), f"{mark} {option.group(1)}"]
        return [label, _button(value)]
    if isinstance(value, list):  # a list box with several chosen
        return [label, ", ".join(str(v) for v in value)]
    return [label, "" if value is None else str(value)]


def _merge_options(rows: list[list[str]]) -> list[list[str]]:
    """The boxes of one question side by side: 'Share externally' | '☐ Yes ☒ No'."""
    merged: dict[str, list[str]] = {}
    for label, value in rows:
        if label in merged and value[:1] in (TICKED, UNTICKED):
            merged[label][1] = f"{merged[label][1]} {value}".strip()
        else:
            merged.setdefault(label, [label, value])
    return list(merged.values())


def _button(value: object) -> str:
    """A tick box ('/Yes' or '/Off') as Yes or nothing; a radio group as its chosen option's name."""
    chosen = str(value or "").lstrip("/").strip()
    if chosen.lower() in _OFF:
        return "No" if chosen.lower() == "no" else ""
    return "Yes" if chosen.lower() in ("on", "yes", "true", "1", "ja") else chosen.replace("#20", " ")
