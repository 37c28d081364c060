"""Word .docx/.docm: tables anywhere (nested, merged, in content controls or text boxes) and paragraphs.

We walk word/document.xml ourselves with defusedxml (DTDs refused), so no
entity is ever expanded and nothing in the file (macros included) is run.

Form controls are read for what the member chose, not for how they look:
a content-control or legacy (FORMCHECKBOX) tick box becomes ☒ or ☐, a legacy
drop-down (FORMDROPDOWN) its chosen entry, a date picker its stored date
(w:fullDate, not the display text, which may be in a US layout). Tick symbols
drawn in Wingdings become their Unicode look-alikes, and text struck through
("Yes / ~~No~~", delete as appropriate) is left out, as the member deleted it.

Tracked changes are read as accepted: inserted and moved-to text is kept,
deleted and moved-from text (and deleted table rows) is left out.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET

from pipeline.errors import Damaged

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
TICKED, UNTICKED = "\u2612", "\u2610"  # ☒ ☐
# Symbol fonts draw tick boxes from ordinary code points: what each looks like, in Unicode.
_SYMBOLS = {
    "wingdings": {
        0xA8: "\u2610",
        0x6F: "\u2610",
        0x71: "\u2610",
        0x72: "\u2610",
        0xFE: "\u2611",
        0xFD: "\u2612",
        0x78: "\u2612",
        0xFC: "\u2713",
        0xFB: "\u2717",
        0xA1: "\u25cb",
        0xA4: "\u25c9",
        0x6E: "\u25a0",
        0x6C: "\u25cf",
    },
    "wingdings 2": {
        0xA3: "\u2610",
        0x2A: "\u2610",
        0x50: "\u2713",
        0x4F: "\u2717",
        0x52: "\u2611",
        0x53: "\u2612",
        0x54: "\u2612",
        0x51: "\u2612",
    },
}
_CONTAINERS = {
    W + "sdt",
    W + "sdtContent",
    W + "customXml",
    W + "smartTag",
    W + "ins",
    W + "moveTo",
    W + "hyperlink",
    W + "fldSimple",
    W + "txbxContent",
    MC + "AlternateContent",
    MC + "Choice",
}
_SKIP = {
    W + "delText",
    W + "instrText",
    MC + "Fallback",
    W + "sdtPr",
    W + "rPr",
    W + "pPr",
    W + "tblPr",
    W + "trPr",
    W + "tcPr",
    W + "del",
    W + "moveFrom",
    W + "footnoteReference",
    W + "commentReference",
}

MAX_ROWS = 2000  # as in extract.py: a form never comes near
MAX_CELLS = 60
Block = tuple[str, object]  # ("para", str) or ("table", list[list[str]])


def main_part(archive: zipfile.ZipFile) -> str:
    names = set(archive.namelist())
    if "word/document.xml" in names:
        return "word/document.xml"
    for name in names:  # a renamed main part is rare; take the first document-like part
        if name.startswith("word/") and name.endswith(".xml") and "document" in name:
            return name
    raise Damaged("The Word file has no document inside it; please save the form again and re-attach it.")


def read_blocks(archive: zipfile.ZipFile, filename: str) -> list[Block]:
    """Paragraph texts and tables (rows of cell texts), in document order; nested tables come after their parent."""
    try:
        with archive.open(main_part(archive)) as handle:
            root = SafeET.fromstring(handle.read(), forbid_dtd=True)
    except SafeET.ParseError:
        raise Damaged(
            f"{filename} is damaged (its text cannot be read). Please save the form again and re-attach it."
        ) from None
    body = root.find(W + "body")
    blocks: list[Block] = []
    if body is not None:
        _walk(body, blocks)
    return blocks


def _walk(element, blocks: list[Block]) -> None:  # type: ignore[no-untyped-def]
    for child in element:
        if child.tag == W + "p":
            blocks.append(("para", _paragraph_text(child, blocks)))
        elif child.tag == W + "tbl":
            _table(child, blocks)
        elif child.tag == W + "sdt" and _is_placeholder(child):
            continue  # a content control still showing its "Click or tap here" prompt
        elif child.tag == W + "sdt" and _control_value(child) is not None:
            blocks.append(("para", _control_value(child) or ""))
        elif child.tag in _CONTAINERS:
            _walk(child, blocks)


def _table(tbl, blocks: list[Block]) -> None:  # type: ignore[no-untyped-def]
    rows: list[list[str]] = []
    nested: list[Block] = []
    for tr in _descend(tbl, W + "tr", stop=W + "tbl"):
        if len(rows) >= MAX_ROWS:
            break
        if tr.find(f"{W}trPr/{W}del") is not None:
            continue  # a row deleted with track changes on
        cells: list[str] = []
        for tc in _descend(tr, W + "tc", stop=W + "tbl"):
            if len(cells) >= MAX_CELLS:
                break
            cells.append("" if _continues_vertical_merge(tc) else _cell_text(tc, nested))
        rows.append(cells)
    blocks.append(("table", rows))
    blocks.extend(nested)


def _descend(element, tag: str, stop: str) -> Iterator:  # type: ignore[no-untyped-def]
    for child in element:
        if child.tag == tag:
            yield child
        elif child.tag in _CONTAINERS:
            yield from _descend(child, tag, stop)


def _continues_vertical_merge(tc) -> bool:  # type: ignore[no-untyped-def]
    merge = tc.find(f"{W}tcPr/{W}vMerge")
    return merge is not None and merge.get(W + "val", "continue") == "continue"


def _cell_text(tc, nested: list[Block]) -> str:  # type: ignore[no-untyped-def]
    parts: list[str] = []
    inner: list[Block] = []
    _walk(tc, inner)
    for kind, value in inner:
        if kind == "para":
            parts.append(str(value))
        else:
            nested.append((kind, value))
    return "\n".join(parts).strip("\n")


def _paragraph_text(p, blocks: list[Block]) -> str:  # type: ignore[no-untyped-def]
    if _is_placeholder(p):
        return ""
    out: list[str] = []
    _runs(p, out, blocks, _Fields())
    return "".join(out)


def _is_placeholder(element) -> bool:  # type: ignore[no-untyped-def]
    return element.find(f"{W}sdtPr/{W}showingPlcHdr") is not None


@dataclass
class _Fields:
    """Open fields in a paragraph: a legacy form field whose value we wrote from its settings hides its shown result."""

    hiding: list[bool] = field(default_factory=list)

    @property
    def hidden(self) -> bool:
        return any(self.hiding)


def _runs(element, out: list[str], blocks: list[Block], fields: _Fields) -> None:  # type: ignore[no-untyped-def]
    for child in element:
        tag = child.tag
        if tag in _SKIP:
            continue
        if tag == W + "fldChar":
            _field_char(child, out, fields)
        elif fields.hidden:
            if tag not in (W + "t", W + "tab", W + "br", W + "cr", W + "sym"):
                _runs(child, out, blocks, fields)
        elif tag == W + "r" and _struck(child):
            continue  # "Yes / No": the answer not wanted, struck through
        elif tag == W + "t":
            out.append(_symbol_text(child.text or "", element))
        elif tag == W + "sym":
            out.append(_symbol(child.get(W + "font", ""), child.get(W + "char", "")))
        elif tag == W + "tab":
            out.append("\t")
        elif tag in (W + "br", W + "cr"):
            out.append("\n")
        elif tag == W + "noBreakHyphen":
            out.append("-")
        elif tag == W + "txbxContent":
            _walk(child, blocks)  # a text box: its own paragraphs and tables
        elif tag == W + "sdt" and _is_placeholder(child):
            continue
        elif tag == W + "sdt" and _control_value(child) is not None:
            out.append(_control_value(child) or "")
        else:
            _runs(child, out, blocks, fields)


# ---------------------------------------------------------------- form controls


def _control_value(sdt) -> str | None:  # type: ignore[no-untyped-def]
    """A content control's value when it is a tick box, a date picker or an emptied drop-down; None for text."""
    props = sdt.find(W + "sdtPr")
    if props is None:
        return None
    checkbox = props.find(W14 + "checkbox")
    if checkbox is not None:
        checked = checkbox.find(W14 + "checked")
        on = checked is not None and checked.get(W14 + "val", "1").lower() in ("1", "true", "on")
        return TICKED if on else UNTICKED
    date = props.find(W + "date")
    if date is not None and date.get(W + "fullDate"):
        fmt = date.find(W + "dateFormat")
        return _stored_date(date.get(W + "fullDate", ""), fmt.get(W + "val", "") if fmt is not None else "")
    for kind in ("dropDownList", "comboBox"):
        choices = props.find(W + kind)
        if choices is not None and not _shown_text(sdt).strip():
            return _list_entry(choices, choices.get(W + "lastValue", ""))
    return None


def _shown_text(sdt) -> str:  # type: ignore[no-untyped-def]
    content = sdt.find(W + "sdtContent")
    return "".join(t.text or "" for t in content.iter(W + "t")) if content is not None else ""


def _list_entry(choices, value: str) -> str:  # type: ignore[no-untyped-def]
    for item in choices.findall(W + "listItem"):
        if item.get(W + "value") == value:
            return item.get(W + "displayText") or value
    return value


def _stored_date(full: str, fmt: str) -> str:
    """The date the picker stored ('2025-03-03T00:00:00Z'), day first, or as a month when the form shows no day."""
    try:
        value = dt.date.fromisoformat(full[:10])
    except ValueError:
        return ""
    shows_day = "d" in re.sub(r"'[^']*'", "", fmt) or not fmt
    return value.strftime("%d/%m/%Y") if shows_day else value.strftime("%B %Y")


def _field_char(char, out: list[str], fields: _Fields) -> None:  # type: ignore[no-untyped-def]
    kind = char.get(W + "fldCharType")
    if kind == "begin":
        value = _legacy_field_value(char.find(W + "ffData"))
        if value is not None:
            out.append(value)
        fields.hiding.append(value is not None)
    elif kind == "end" and fields.hiding:
        fields.hiding.pop()


def _legacy_field_value(data) -> str | None:  # type: ignore[no-untyped-def]
    """A FORMCHECKBOX as ☒/☐, a FORMDROPDOWN as its chosen entry; None for a FORMTEXT (its result is the text)."""
    if data is None:
        return None
    box = data.find(W + "checkBox")
    if box is not None:
        checked = box.find(W + "checked")
        if checked is None:
            checked = box.find(W + "default")
            on = checked is not None and _on(checked.get(W + "val", "0"))
        else:
            on = _on(checked.get(W + "val", "1"))
        return TICKED if on else UNTICKED
    choices = data.find(W + "ddList")
    if choices is not None:
        entries = [e.get(W + "val", "") for e in choices.findall(W + "listEntry")]
        picked = choices.find(W + "result")
        if picked is None:
            picked = choices.find(W + "default")
        index = (
            int(picked.get(W + "val", "0")) if picked is not None and (picked.get(W + "val") or "0").isdigit() else 0
        )
        return entries[index] if 0 <= index < len(entries) else ""
    return None


def _on(value: str) -> bool:
    return value.lower() in ("1", "true", "on")


# ---------------------------------------------------------------- run formatting


def _struck(run) -> bool:  # type: ignore[no-untyped-def]
    props = run.find(W + "rPr")
    if props is None:
        return False
    for tag in ("strike", "dstrike"):
        mark = props.find(W + tag)
        if mark is not None and _on(mark.get(W + "val", "1")):
            return True
    return False


def _symbol(font: str, code: str) -> str:
    try:
        point = int(code, 16) & 0xFF
    except ValueError:
        return ""
    return _SYMBOLS.get(font.lower(), {}).get(point, "")


def _symbol_text(text: str, run) -> str:  # type: ignore[no-untyped-def]
    """Text in a symbol font (Wingdings 'þ' is a ticked box) as the symbols it draws; other text as it is."""
    fonts = run.find(f"{W}rPr/{W}rFonts") if run.tag == W + "r" else None
    font = ((fonts.get(W + "ascii") or fonts.get(W + "hAnsi") or "") if fonts is not None else "").lower()
    if font in _SYMBOLS:
        return "".join(_SYMBOLS[font].get(ord(c) & 0xFF, "") for c in text)
    if any("\uf000" <= c <= "\uf0ff" for c in text):  # a symbol font's private-use code points
        return "".join(_SYMBOLS["wingdings"].get(ord(c) & 0xFF, "") if "\uf000" <= c <= "\uf0ff" else c for c in text)
    return text
