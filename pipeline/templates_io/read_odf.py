"""OpenDocument .odt/.ods: tables and paragraphs from content.xml, parsed with defusedxml (DTDs refused).

Repeated empty rows and cells (a sheet says "1,048,576 empty rows") are not
expanded; covered cells of a merge are skipped, as in the spreadsheet itself.
Form controls (a check box or list box drawn in the text) are read for what was
chosen: a check box as ☒ or ☐ with its label, a list box as its selected entry.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile

from defusedxml import ElementTree as SafeET

from pipeline.errors import Damaged

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
FORM = "{urn:oasis:names:tc:opendocument:xmlns:form:1.0}"
XML = "{http://www.w3.org/XML/1998/namespace}"
MAX_REPEAT = 60
MAX_ROWS = 2000  # as in extract.py: a form never comes near
MAX_CELLS = 60
_ROW_GROUPS = {TABLE + "table-header-rows", TABLE + "table-rows", TABLE + "table-row-group"}
_SKIP = {
    OFFICE + "annotation",
    TEXT + "tracked-changes",
    TEXT + "note",
    OFFICE + "forms",
    TEXT + "sequence-decls",
    TABLE + "table-columns",
    TABLE + "table-column",
    TABLE + "table-header-columns",
}

Block = tuple[str, object]


def read_blocks(archive: zipfile.ZipFile, filename: str) -> list[Block]:
    try:
        with archive.open("content.xml") as handle:
            root = SafeET.fromstring(handle.read(), forbid_dtd=True)
    except KeyError:
        raise Damaged(f"{filename} has no content inside it; please save the form again and re-attach it.") from None
    except SafeET.ParseError:
        raise Damaged(
            f"{filename} is damaged (its text cannot be read). Please save the form again and re-attach it."
        ) from None
    body = root.find(OFFICE + "body")
    blocks: list[Block] = []
    if body is not None:
        _walk(body, blocks, _form_controls(body))
    return blocks


def _form_controls(body) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each form control's id -> what it shows as chosen: '☒ Yes' for a ticked check box, the selected list entry."""
    found: dict[str, str] = {}
    for control in body.iter():
        key = control.get(FORM + "id") or control.get(XML + "id")
        if not key:
            continue
        if control.tag == FORM + "checkbox":
            state = control.get(FORM + "current-state") or control.get(FORM + "state") or "unchecked"
            box = "\u2612" if state == "checked" else "\u2610"
            found[key] = f"{box} {control.get(FORM + 'label', '')}".strip()
        elif control.tag in (FORM + "listbox", FORM + "combobox"):
            chosen = [
                o.get(FORM + "label", "")
                for o in control.findall(FORM + "option")
                if (o.get(FORM + "current-selected") or o.get(FORM + "selected")) == "true"
            ]
            found[key] = control.get(FORM + "current-value") or ", ".join(chosen)
    return found


def _walk(element, blocks: list[Block], controls: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    for child in element:
        if child.tag in (TEXT + "p", TEXT + "h"):
            blocks.append(("para", paragraph_text(child, blocks, controls)))
        elif child.tag == TABLE + "table":
            _table(child, blocks, controls)
        elif child.tag not in _SKIP:
            _walk(child, blocks, controls)


def _table(table, blocks: list[Block], controls: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    rows: list[list[str]] = []
    nested: list[Block] = []
    for row in _rows(table):
        if len(rows) >= MAX_ROWS:
            break
        cells: list[str] = []
        for cell in row:
            if len(cells) >= MAX_CELLS:
                break
            if cell.tag == TABLE + "covered-table-cell":
                continue
            if cell.tag != TABLE + "table-cell":
                continue
            text = _cell_text(cell, nested, controls)
            repeat = int(cell.get(TABLE + "number-columns-repeated", "1") or 1)
            cells.extend([text] * (min(repeat, MAX_REPEAT) if text else min(repeat, 1)))
        repeat = int(row.get(TABLE + "number-rows-repeated", "1") or 1)
        copies = min(repeat, MAX_REPEAT) if any(cells) else 1
        rows.extend([list(cells) for _ in range(min(copies, MAX_ROWS - len(rows)))])
    blocks.append(("table", rows))
    blocks.extend(nested)


def _rows(element):  # type: ignore[no-untyped-def]
    for child in element:
        if child.tag == TABLE + "table-row":
            yield child
        elif child.tag in _ROW_GROUPS:
            yield from _rows(child)


def _cell_text(cell, nested: list[Block], controls: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    inner: list[Block] = []
    _walk(cell, inner, controls)
    parts = []
    for kind, value in inner:
        if kind == "para":
            parts.append(str(value))
        else:
            nested.append((kind, value))
    shown = "\n".join(parts).strip("\n")
    if cell.get(OFFICE + "value-type") == "date" and cell.get(OFFICE + "date-value"):
        return _date_cell(cell.get(OFFICE + "date-value"), shown)
    return shown


def _date_cell(value: str, shown: str) -> str:
    """A date cell as day-first text from its stored ISO value (the shown text may be in a US locale);
    month precision when the cell shows no day ("Jun-06")."""
    try:
        date = dt.date.fromisoformat(value[:10])
    except ValueError:
        return shown
    shows_day = len(re.findall(r"\d+", shown)) >= 3 or bool(re.search(r"\d+\D+[A-Za-z]{3,}\D+\d+", shown))
    return date.strftime("%d/%m/%Y") if shows_day else date.strftime("%B %Y")


def paragraph_text(p, blocks: list[Block], controls: dict[str, str] | None = None) -> str:  # type: ignore[no-untyped-def]
    controls = controls or {}
    out: list[str] = [p.text or ""]
    for child in p:
        tag = child.tag
        if tag == TEXT + "s":
            out.append(" " * min(int(child.get(TEXT + "c", "1") or 1), 100))
        elif tag == TEXT + "tab":
            out.append("\t")
        elif tag == TEXT + "line-break":
            out.append("\n")
        elif tag in _SKIP:
            pass
        elif tag == DRAW + "frame":
            _walk(child, blocks, controls)  # a text box anchored in the paragraph
        elif tag == DRAW + "control":
            out.append(f" {controls.get(child.get(DRAW + 'control', ''), '')} ")
        else:
            out.append(paragraph_text(child, blocks, controls))
        out.append(child.tail or "")
    return "".join(out)
