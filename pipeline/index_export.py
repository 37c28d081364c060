"""The Information Index of positive practice: every approved item (its latest approved revision), by theme.

Columns as the networks kept them: File No, practice example / improvement /
learning, theme, location, lead contact, date commenced / file updated,
completion or evaluation date, status (the colour key: Planned, Being
implemented, Implemented) and the link. Written as CSV, XLSX or HTML, row by
row from a streamed query, so the whole index is never held in memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.config import Settings
from pipeline.csvfiles import spreadsheet_safe
from pipeline.errors import InvalidInput
from pipeline.templates_io import STATUSES
from pipeline.templates_io.dates import describe_date
from pipeline.templates_io.validate import normalise_status

if TYPE_CHECKING:  # `mln index export --help` and its option list need none of the database code
    from sqlalchemy.orm import Session

    from pipeline.store.models import Submission

EXPORT_FORMATS = ("csv", "xlsx", "html")
COLUMNS = (
    ("file_no", "File No"),
    ("title", "Practice example / improvement / learning"),
    ("theme", "Theme"),
    ("location", "Location"),
    ("lead_contact", "Lead contact"),
    ("dates", "Date commenced / file updated"),
    ("completion", "Completion, implementation or evaluation date"),
    ("status", "Status"),
    ("link", "Link"),
)
# The colour key of the index, one colour per status.
COLOURS = {"Planned": "FCE4B6", "Being implemented": "CFE2F3", "Implemented": "D9EAD3"}


@dataclass(frozen=True)
class IndexRow:
    file_no: str
    title: str
    theme: str
    location: str
    lead_name: str
    lead_email: str
    dates: str
    completion: str
    status: str
    link: str

    @property
    def lead_contact(self) -> str:
        return (
            f"{self.lead_name} <{self.lead_email}>"
            if self.lead_name and self.lead_email
            else self.lead_name or self.lead_email
        )

    def cells(self) -> list[str]:
        return [getattr(self, key) for key, _ in COLUMNS]


def progress_filter(text: str | None) -> str | None:
    """'implemented', 'in progress' ... -> one of the three statuses; InvalidInput otherwise."""
    if not text:
        return None
    found = normalise_status(text)
    if found is None:
        raise InvalidInput(f"status {text!r} is not one of {', '.join(STATUSES)}")
    return found


def index_rows(session: Session, theme_number: int | None = None, progress: str | None = None) -> Iterator[IndexRow]:
    """Rows in theme order, then File No; read in batches."""
    from sqlalchemy import select
    from sqlalchemy.orm import aliased

    from pipeline.store.models import Item, Submission

    later = aliased(Submission)
    newer_approved = (
        select(later.id)
        .where(later.item_id == Submission.item_id, later.status == "approved", later.revision > Submission.revision)
        .exists()
    )
    query = (
        select(Submission, Item.file_no)
        .join(Item, Submission.item_id == Item.id)
        .where(Submission.status == "approved", ~newer_approved)
        .order_by(Submission.theme_number, Item.file_no)
        .execution_options(yield_per=500)
    )
    if theme_number is not None:
        query = query.where(Submission.theme_number == theme_number)
    if progress is not None:
        query = query.where(Submission.progress == progress)
    for row, file_no in session.execute(query):
        yield index_row(row, file_no)


def index_row(row: Submission, file_no: str) -> IndexRow:
    """One row of the index, from a revision (mapped, or a reader row with the same attributes: the site's)."""
    commenced = _date(row.date_commenced, row.date_commenced_precision)
    if commenced and row.date_commenced_planned:
        commenced = f"To commence {commenced}"
    updated = _date(row.date_updated, row.date_updated_precision)
    dates = "; ".join(p for p in (commenced, f"updated {updated}" if updated else "") if p)
    return IndexRow(
        file_no=file_no,
        title=row.title,
        theme=row.theme,
        location=row.locality,
        lead_name=row.lead_name,
        lead_email=row.lead_email,
        dates=dates,
        completion=_date(row.completion_date, row.completion_date_precision),
        status=row.progress or "Planned",
        link=row.link,
    )


def _date(value: dt.date | None, precision: str) -> str:
    """As precise as the member was: '7 September 2006', 'September 2006', 'July\u2013September 2025'."""
    return describe_date(value, precision or "month") if value is not None else ""


def export_index(
    settings: Settings, fmt: str, path: Path, theme_number: int | None = None, progress: str | None = None
) -> int:
    """Write the index to `path` in `fmt`; returns the number of items written."""
    writer = {"csv": write_csv, "xlsx": write_xlsx, "html": write_html}.get(fmt)
    if writer is None:
        raise InvalidInput(f"format {fmt!r} is not one of {', '.join(EXPORT_FORMATS)}")
    from pipeline.store import db

    db.require_schema(settings.database.url)
    with db.transaction(settings.database.url, readonly=True) as session:
        return writer(index_rows(session, theme_number, progress), path, settings.network.name)


def write_csv(rows: Iterator[IndexRow], path: Path, title: str = "") -> int:
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:  # the BOM makes Excel read UTF-8
        writer = csv.writer(out)
        writer.writerow([heading for _, heading in COLUMNS])
        for row in rows:
            writer.writerow([spreadsheet_safe(cell) for cell in row.cells()])
            count += 1
    return count


def write_xlsx(rows: Iterator[IndexRow], path: Path, title: str = "") -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Information Index")
    for letter, width in zip("ABCDEFGHI", (14, 48, 30, 20, 34, 28, 24, 18, 36)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for _, text in COLUMNS:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    count = 0
    for row in rows:
        fill = PatternFill("solid", fgColor=COLOURS.get(row.status, "FFFFFF"))
        cells = []
        for value in row.cells():
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # never a formula, whatever the member typed
            cell.fill = fill
            cells.append(cell)
        if row.link.startswith(("https://", "http://")):
            cells[-1].hyperlink = row.link
        sheet.append(cells)
        count += 1
    book.save(path)
    return count


def write_html(rows: Iterator[IndexRow], path: Path, title: str = "") -> int:
    count, theme = 0, None
    with path.open("w", encoding="utf-8") as out:
        out.write(_html_head(title))
        for row in rows:
            if row.theme != theme:
                out.write(("</tbody></table>\n" if theme is not None else "") + _html_table_start(row.theme))
                theme = row.theme
            out.write(_html_row(row))
            count += 1
        out.write(
            ("</tbody></table>\n" if theme is not None else "<p>No approved items yet.</p>\n") + "</body></html>\n"
        )
    return count


def _html_head(title: str) -> str:
    e = html.escape
    key = " ".join(
        f'<span class="chip" style="background:#{colour}">{e(status)}</span>' for status, colour in COLOURS.items()
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Information Index - {e(title)}</title>\n'
        "<style>body{font-family:Arial,sans-serif;margin:1em}table{border-collapse:collapse;width:100%;margin-bottom:1.5em}"
        "th,td{border:1px solid #999;padding:4px;vertical-align:top;text-align:left;font-size:90%}"
        ".chip{padding:2px 6px;margin-right:4px}</style></head>\n"
        f"<body><h1>Information Index of positive practice</h1>\n<p>{e(title)}</p>\n<p>Key: {key}</p>\n"
    )


def _html_table_start(theme: str) -> str:
    headings = "".join(f"<th>{html.escape(text)}</th>" for key, text in COLUMNS if key != "theme")
    return f"<h2>{html.escape(theme or 'No theme')}</h2>\n<table><thead><tr>{headings}</tr></thead><tbody>\n"


def _html_row(row: IndexRow) -> str:
    e = html.escape
    lead = e(row.lead_name or row.lead_email)
    if row.lead_email:
        lead = f'<a href="mailto:{e(row.lead_email, quote=True)}">{lead}</a>'
    link = f'<a href="{e(row.link, quote=True)}">click me</a>' if row.link.startswith(("https://", "http://")) else ""
    cells = [e(row.file_no), e(row.title), e(row.location), lead, e(row.dates), e(row.completion), e(row.status), link]
    colour = COLOURS.get(row.status, "FFFFFF")
    return f'<tr style="background:#{colour}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>\n"
