"""The blank reporting template, built from the network's name, themes and regions.

docx: a two-column table (label with guidance | value) then the theme list.
xlsx: labels in column A, values in B, guidance in C, drop-downs for theme,
region, status and share_externally (their lists on a hidden sheet).
csv: `field,value` rows. txt: `Label: ` lines to fill in the body of an email.
"""

from __future__ import annotations

import csv
import functools
import io

from pipeline.config import NetworkSettings
from pipeline.templates_io.fields import FIELDS
from pipeline.templates_io.validate import STATUSES

FORMATS = ("docx", "xlsx", "csv", "txt")
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "txt": "text/plain",
}


def template_filename(fmt: str) -> str:
    return f"improvement-plan-template.{fmt}"


def generate_template(fmt: str, network: NetworkSettings) -> bytes:
    """The blank form in one of FORMATS, as bytes.

    Built once per format and network settings: every reply that attaches it (a template
    request, an unreadable attachment, a message no rule recognised) would otherwise spend
    about 0.1 s building the same bytes again.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown template format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        hash(network)
    except TypeError:  # settings built by hand with a list in them: build without keeping
        return _build(fmt, network)
    return _cached(fmt, network)


@functools.lru_cache(maxsize=16)
def _cached(fmt: str, network: NetworkSettings) -> bytes:
    return _build(fmt, network)


def _build(fmt: str, network: NetworkSettings) -> bytes:
    builders = {"docx": _docx, "xlsx": _xlsx, "csv": _csv, "txt": lambda n: template_text(n).encode("utf-8")}
    return builders[fmt](network)


def _title(network: NetworkSettings) -> str:
    return f"{network.name}: improvement plan reporting template"


def _intro(network: NetworkSettings) -> str:
    return (
        f"Fill in the right-hand column and email the form to {network.shared_address}. "
        "Leave File No blank for a new plan; to update a plan, give the File No we sent you."
    )


def _docx(network: NetworkSettings) -> bytes:
    import docx
    from docx.shared import Cm, Pt, RGBColor

    document = docx.Document()
    document.add_heading(_title(network), level=1)
    document.add_paragraph(_intro(network))
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.autofit = False
    table.columns[0].width, table.columns[1].width = Cm(6), Cm(11)
    for f in FIELDS:
        row = table.add_row()
        label_cell, value_cell = row.cells
        label_cell.width, value_cell.width = Cm(6), Cm(11)
        if f.key in ("summary", "actions", "outcomes", "learning"):
            row.height = Cm(2.5)  # room to write; the row still grows with the text
        label_cell.paragraphs[0].add_run(f.label).bold = True
        guide = label_cell.add_paragraph().add_run(f.guidance)
        guide.italic, guide.font.size, guide.font.color.rgb = True, Pt(8), RGBColor(0x55, 0x55, 0x55)
    document.add_heading("List of key themes", level=2)
    for i, theme in enumerate(network.themes, start=1):
        document.add_paragraph(f"{i}. {theme}")
    if network.regions:
        document.add_heading("List of regions", level=2)
        document.add_paragraph(", ".join(network.regions))
    document.add_heading("Choices for status", level=2)
    document.add_paragraph(" or ".join(STATUSES))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx(network: NetworkSettings) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "Template"
    lists = book.create_sheet("Lists")
    lists.sheet_state = "hidden"
    columns = {
        "theme": list(network.themes),
        "region": list(network.regions),
        "status": list(STATUSES),
        "share_externally": ["Yes", "No"],
    }
    ranges = {}
    for col, (key, values) in enumerate(columns.items(), start=1):
        letter = chr(ord("A") + col - 1)
        for row, value in enumerate(values, start=1):
            lists.cell(row=row, column=col, value=value)
        ranges[key] = f"Lists!${letter}$1:${letter}${max(len(values), 1)}"
    sheet["A1"] = _title(network)
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = _intro(network)
    thin = Side(style="thin", color="999999")
    for col, heading in enumerate(("Box", "Your answer", "Guidance"), start=1):
        sheet.cell(row=3, column=col, value=heading).font = Font(bold=True, color="FFFFFF")
        sheet.cell(row=3, column=col).fill = PatternFill("solid", fgColor="2F5496")
    for row, f in enumerate(FIELDS, start=4):
        sheet.cell(row=row, column=1, value=f.label).font = Font(bold=True)
        sheet.cell(row=row, column=3, value=f.guidance).font = Font(italic=True, color="555555")
        answer = sheet.cell(row=row, column=2)
        answer.alignment = Alignment(wrap_text=True, vertical="top")
        answer.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        answer.fill = PatternFill("solid", fgColor="FFF9E5")  # where to type, at a glance
        if f.key in ranges and columns[f.key]:
            check = DataValidation(type="list", formula1=ranges[f.key], allow_blank=True, showErrorMessage=False)
            sheet.add_data_validation(check)
            check.add(f"B{row}")
    sheet.column_dimensions["A"].width = 42
    sheet.column_dimensions["B"].width = 60
    sheet.column_dimensions["C"].width = 70
    sheet.freeze_panes = "B4"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(network: NetworkSettings) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["field", "value"])
    for f in FIELDS:
        writer.writerow([f.key, ""])
    return out.getvalue().encode("utf-8")


def template_text(network: NetworkSettings) -> str:
    """The form as 'Label: ' lines, for the body of an email. Lines starting '#' are guidance."""
    lines = [
        f"# {_title(network)}",
        f"# {_intro(network)}",
        "# Write after each colon. Summary, actions, outcomes and learning may run over several lines.",
        "# Key themes (give the number or the name): " + "; ".join(f"{i} {t}" for i, t in enumerate(network.themes, 1)),
    ]
    if network.regions:
        lines.append("# Regions: " + "; ".join(network.regions))
    lines.append("# Status: " + ", ".join(STATUSES))
    lines.append("")
    lines += [f"{f.label}: " for f in FIELDS]
    return "\n".join(lines) + "\n"


def format_for_path(path: str, fmt: str | None) -> str:
    """The format asked for, else the one the output file's extension names."""
    if fmt:
        return fmt
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    if ext not in FORMATS:
        raise ValueError(f"cannot tell the format from {path!r}; give --format ({', '.join(FORMATS)})")
    return ext
