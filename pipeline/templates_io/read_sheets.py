"""Spreadsheets and CSV: every visible sheet becomes a table of cell texts.

openpyxl reads .xlsx/.xlsm for values only (data_only, keep_vba=False): formulas
show their cached result and macros are never run. Its XML goes through
defusedxml or lxml with entities off, after our own DTD check in safety.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings

from pipeline.errors import Damaged

MAX_ROWS = 2000
MAX_COLS = 60
_NOTES = re.compile(
    r"\b(guidance|guide|notes?|instructions?|how to|help|read ?me|lists?|themes?|regions?|example|contents|"
    r"about|introduction|drop ?downs?|lookups?|version|changes)\b",
    re.I,
)


def xlsx_tables(data: bytes, filename: str) -> list[list[list[str]]]:
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about data validation and headers it does not keep
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=False, data_only=True, keep_vba=False, keep_links=False
            )
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for damaged files
        raise Damaged(
            f"{filename} is damaged and cannot be opened ({type(exc).__name__}). Please save it again and re-attach it."
        ) from None
    named = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue
        named.append((sheet.title, _sheet_rows(sheet)))
    return [rows for title, rows in named if not _notes_sheet(title)] or [rows for _, rows in named]


def _notes_sheet(title: str) -> bool:
    """A sheet of guidance notes, instructions or lists beside the form: read only if it is all there is."""
    return bool(_NOTES.search(title or ""))


def _sheet_rows(sheet) -> list[list[str]]:  # type: ignore[no-untyped-def]
    """Rows of cell texts. A label merged down over several rows gathers the answers beside it into one
    row, their lines joined; other merged cells count once, as the cell that holds their text."""
    covered = set()
    groups: dict[int, int] = {}  # first row -> last row of a label merged downwards
    for merged in sheet.merged_cells.ranges:
        if merged.max_row > merged.min_row and merged.min_row <= MAX_ROWS:
            groups[merged.min_row] = max(groups.get(merged.min_row, 0), min(merged.max_row, MAX_ROWS))
        for row in range(merged.min_row, min(merged.max_row, MAX_ROWS) + 1):
            for col in range(merged.min_col, min(merged.max_col, MAX_COLS) + 1):
                if (row, col) != (merged.min_row, merged.min_col) and row == merged.min_row:
                    covered.add((row, col))  # merged across: one cell; merged down: kept as empty
    grid: dict[int, list[str]] = {}
    for row in sheet.iter_rows(max_row=min(sheet.max_row, MAX_ROWS), max_col=min(sheet.max_column, MAX_COLS)):
        if row:
            grid[row[0].row] = [cell_text(c) for c in row if (c.row, c.column) not in covered]
    rows, skip_to = [], 0
    for number in sorted(grid):
        if number <= skip_to:
            continue
        last = groups.get(number, number)
        rows.append(_joined([grid[n] for n in range(number, last + 1) if n in grid]))
        skip_to = last
    return rows


def _joined(rows: list[list[str]]) -> list[str]:
    """Several rows as one, each column's non-empty texts joined by line breaks."""
    if len(rows) == 1:
        return rows[0]
    width = max(len(r) for r in rows)
    return ["\n".join(r[c] for r in rows if c < len(r) and r[c].strip()) for c in range(width)]


def cell_text(cell) -> str:  # type: ignore[no-untyped-def]
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (dt.datetime, dt.date)):
        fmt = (cell.number_format or "").lower()
        if "d" not in fmt.replace("[red]", ""):  # shown as a month, e.g. "mmm-yy"
            return value.strftime("%B %Y")
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252 as Excel writes it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def csv_table(data: bytes, filename: str = "the CSV file") -> list[list[str]]:
    text = decode_text(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return _csv_rows(text, dialect)
    except csv.Error:  # a stray carriage return or NUL: read it as plain lines before giving up
        try:
            return _csv_rows(text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", ""), dialect)
        except csv.Error:
            raise Damaged(
                f"{filename} is damaged and cannot be read as CSV. Please save it again and re-attach it."
            ) from None


def _csv_rows(text: str, dialect) -> list[list[str]]:  # type: ignore[no-untyped-def]
    rows = []
    for i, row in enumerate(csv.reader(io.StringIO(text, newline=""), dialect)):
        if i >= MAX_ROWS:
            break
        rows.append(row[:MAX_COLS])
    return rows
