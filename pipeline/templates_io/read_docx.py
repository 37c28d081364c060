"""Word .docx/.docm: tables anywhere (nested, merged, in content controls or text boxes) and paragraphs.

We walk word/document.xml ourselves with defusedxml (DTDs refused), so no
entity is ever expanded and nothing in the file (macros included) is run.
"""
from __future__ import annotations

import zipfile
from typing import Iterator

from defusedxml import ElementTree as SafeET

from pipeline.templates_io.errors import Damaged

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_CONTAINERS = {W + "sdt", W + "sdtContent", W + "customXml", W + "smartTag", W + "ins", W + "hyperlink", W + "fldSimple",
               W + "txbxContent", MC + "AlternateContent", MC + "Choice"}
_SKIP = {W + "delText", W + "instrText", MC + "Fallback", W + "sdtPr", W + "rPr", W + "pPr", W + "tblPr", W + "trPr", W + "tcPr",
         W + "del", W + "footnoteReference", W + "commentReference"}

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
        raise Damaged(f"{filename} is damaged (its text cannot be read). Please save the form again and re-attach it.") from None
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
        elif child.tag in _CONTAINERS:
            _walk(child, blocks)


def _table(tbl, blocks: list[Block]) -> None:  # type: ignore[no-untyped-def]
    rows: list[list[str]] = []
    nested: list[Block] = []
    for tr in _descend(tbl, W + "tr", stop=W + "tbl"):
        if len(rows) >= MAX_ROWS:
            break
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
    _runs(p, out, blocks)
    return "".join(out)


def _is_placeholder(element) -> bool:  # type: ignore[no-untyped-def]
    return element.find(f"{W}sdtPr/{W}showingPlcHdr") is not None


def _runs(element, out: list[str], blocks: list[Block]) -> None:  # type: ignore[no-untyped-def]
    for child in element:
        tag = child.tag
        if tag in _SKIP:
            continue
        if tag == W + "t":
            out.append(child.text or "")
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
        else:
            _runs(child, out, blocks)
