"""Write the sample form files in this folder. Run once; the files are committed.

    .venv/bin/python tests/templates/make_samples.py

Needs LibreOffice (`soffice`, Debian: libreoffice-writer-nogui libreoffice-calc-nogui)
for the files saved by LibreOffice, and msoffcrypto-tool for the encrypted one.
CI does not run this: it reads the committed files. Big hostile files (oversize,
many-entry zips) are made at test time instead, in tests/templates_io/.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from pipeline.config import NetworkSettings  # noqa: E402
from pipeline.templates_io.fields import FIELDS  # noqa: E402
from pipeline.templates_io.generate import generate_template  # noqa: E402

BARNSLEY = {
    "title": "Development of an education package on older people's mental-health needs",
    "theme": "care homes",
    "locality": "Barnsley",
    "region": "Yorkshire and Humber",
    "organisation": "Example Mental Health NHS Trust",
    "organisation_type": "Mental Health Trust",
    "lead_name": "Alex Example",
    "lead_email": "alex.example@example.nhs.test",
    "status": "in progress",
    "date_commenced": "June 2006",
    "completion_date": "evaluation planned for Sept 06",
    "summary": "Give care-home staff the knowledge to spot depression and dementia early.\nEvery home in the borough to take part.",
    "actions": "PDSA cycle 1: pilot in two homes.\nPDSA cycle 2: revised handbook.",
    "outcomes": "Staff confidence scores up from 42% to 71%.",
    "learning": "Short sessions on shift handover work best.",
    "link": "https://example.org/education-package",
    "share_externally": "Yes",
}
ROTHERHAM = {
    "title": "Clarity around leave arrangements for informal patients",
    "theme": "5",
    "locality": "Rotherham",
    "lead_name": "Sam Sample",
    "lead_email": "sam.sample@example.nhs.test",
    "status": "to commence",
    "date_commenced": "To commence Oct 06",
    "summary": "Write down, for every informal patient, what leave they may take.",
    "share_externally": "no",
}
LIAISON = {
    "title": "Current database of North East liaison network",
    "theme": "Liaison",
    "locality": "North East England",
    "region": "North East",
    "lead_name": "Pat Person",
    "lead_email": "pat.person@example.org",
    "status": "Implemented",
    "date_commenced": "June 2004/August 2006",
    "summary": "Updated September to include learning events 2006.",
}
LABELS = {f.key: f.label for f in FIELDS}


def _save(document) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


_save_book = _save


def filled_template_docx(values: dict[str, str]) -> bytes:
    """Our own blank docx with the right-hand column filled in, the way a member would."""
    import docx

    document = docx.Document(io.BytesIO(generate_template("docx", NetworkSettings())))
    table = document.tables[0]
    for row, f in zip(table.rows, FIELDS):
        cell = row.cells[1]
        lines = values.get(f.key, "").split("\n")
        cell.paragraphs[0].text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)
    return _save(document)


def paragraphs_docx(values: dict[str, str]) -> bytes:
    """A letter-style document: a greeting, then 'Label: value' paragraphs, multi-line summary."""
    import docx

    document = docx.Document()
    document.add_paragraph("Dear communications lead,")
    document.add_paragraph("Please find our improvement plan below.")
    document.add_paragraph("")
    for key, value in values.items():
        lines = value.split("\n")
        document.add_paragraph(f"{LABELS[key]}: {lines[0]}")
        for line in lines[1:]:
            document.add_paragraph(line)
    document.add_paragraph("")
    document.add_paragraph("Kind regards")
    return _save(document)


def merged_nested_docx(values: dict[str, str]) -> bytes:
    """A home-made form: merged title row, extra rows, blank rows, a nested table for the contact."""
    import docx

    document = docx.Document()
    document.add_paragraph("Our network return")
    table = document.add_table(rows=0, cols=3)
    table.style = "Table Grid"
    title_row = table.add_row().cells
    merged = title_row[0].merge(title_row[2])
    merged.text = "IMPROVEMENT PLAN - please complete all boxes"
    for key in ("title", "theme", "locality", "status", "date_commenced", "summary"):
        cells = table.add_row().cells
        cells[0].text = LABELS[key].upper() + ":"
        value_cell = cells[1].merge(cells[2])  # the value spans two columns
        lines = values[key].split("\n")
        value_cell.text = lines[0]
        for line in lines[1:]:
            value_cell.add_paragraph(line)
    table.add_row()  # a blank row
    cells = table.add_row().cells
    cells[0].text = "Contact details"
    inner = cells[1].add_table(rows=2, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "Lead contact", values["lead_name"]
    inner.cell(1, 0).text, inner.cell(1, 1).text = "E-mail", values["lead_email"]
    cells = table.add_row().cells
    cells[0].text = "For office use"
    vertical = table.add_row().cells
    vertical[0].text = "Notes"
    vertical[1].merge(table.rows[-2].cells[1])  # a vertical merge
    return _save(document)


def two_forms_docx(first: dict[str, str], second: dict[str, str]) -> bytes:
    import docx

    document = docx.Document()
    for values in (first, second):
        document.add_paragraph("Improvement plan")
        table = document.add_table(rows=0, cols=2)
        for key, value in values.items():
            cells = table.add_row().cells
            cells[0].text, cells[1].text = LABELS[key], value
        document.add_paragraph("")
    return _save(document)


def filled_template_xlsx(values: dict[str, str]) -> bytes:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(generate_template("xlsx", NetworkSettings())))
    sheet = book["Template"]
    for row in range(1, sheet.max_row + 1):
        label = sheet.cell(row=row, column=1).value
        for key, text in LABELS.items():
            if label == text and key in values:
                sheet.cell(row=row, column=2, value=values[key])
    return _save_book(book)


def index_xlsx(rows: list[dict[str, str]]) -> bytes:
    """The positive practice index layout: a header row of labels, one improvement per row, real dates."""
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Index"
    keys = ["title", "theme", "locality", "lead_name", "lead_email", "status", "date_commenced", "summary"]
    sheet.append([LABELS[k] for k in keys])
    for values in rows:
        sheet.append([values.get(k, "") for k in keys])
    sheet["G2"] = dt.datetime(2006, 6, 1)
    sheet["G2"].number_format = "mmm-yy"  # shown as Jun-06: a month, not a day
    sheet["G3"] = dt.datetime(2006, 9, 7)
    sheet["G3"].number_format = "dd/mm/yyyy"
    return _save_book(book)


def csv_field_value(values: dict[str, str]) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["field", "value"])
    for key, value in values.items():
        writer.writerow([key, value])
    return out.getvalue().encode("utf-8")


def csv_header_semicolon(rows: list[dict[str, str]]) -> bytes:
    """Excel in a European locale: semicolons, Windows-1252, labels as headers."""
    import csv

    keys = ["title", "theme", "locality", "lead_name", "lead_email", "status", "summary"]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([LABELS[k] for k in keys])
    for values in rows:
        writer.writerow([values.get(k, "") for k in keys])
    return out.getvalue().encode("cp1252")


def text_form(values: dict[str, str]) -> bytes:
    lines = []
    for key, value in values.items():
        first, *rest = value.split("\n")
        lines.append(f"{LABELS[key]}: {first}")
        lines.extend(rest)
    return ("\n".join(lines) + "\n").encode("utf-8")


def with_macros(data: bytes, kind: str) -> bytes:
    """The same document as .docm/.xlsm: a vbaProject.bin part and the macro-enabled content type."""
    part, main_type, macro_type = {
        "docx": (
            "word/vbaProject.bin",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            "application/vnd.ms-word.document.macroEnabled.main+xml",
        ),
        "xlsx": (
            "xl/vbaProject.bin",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        ),
    }[kind]
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(main_type.encode(), macro_type.encode()).replace(
                    b"</Types>",
                    b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
                )
            dst.writestr(info, body)
        # Not a working VBA project: the point is that the part is there and is never run or needed.
        dst.writestr(
            part,
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b'Attribute VB_Name = "ThisDocument"\nSub AutoOpen()\nShell "calc"\nEnd Sub\n',
        )
    return out.getvalue()


def replace_part(data: bytes, name: str, body: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, body if info.filename == name else src.read(info))
    return out.getvalue()


BILLION_LAUGHS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Practice example / improvement / learning</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Location</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Leeds</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
</w:body></w:document>"""

XXE = b"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- a comment before the doctype, to hide it from a naive check -->
<?some-instruction here?>
<!DOCTYPE w:document [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Practice example / improvement / learning</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>Location</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Leeds</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
</w:body></w:document>"""

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def zip_bomb_docx(base: bytes) -> bytes:
    """A real docx whose document.xml is padded with 150 MB of spaces: tiny on disk, ratio ~1000."""
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename == "word/document.xml":
                body = src.read(info)
                entry = zipfile.ZipInfo("word/document.xml")
                entry.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(entry, "w", force_zip64=True) as handle:
                    head, tail = body.split(b"<w:body>", 1)
                    handle.write(head + b"<w:body>")
                    chunk = b" " * (1024 * 1024)
                    for _ in range(150):
                        handle.write(chunk)
                    handle.write(tail)
            else:
                dst.writestr(info, src.read(info))
    return out.getvalue()


def encrypted(data: bytes, suffix: str) -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp, "plain" + suffix)
        plain.write_bytes(data)
        out = io.BytesIO()
        with plain.open("rb") as handle:
            OOXMLFile(handle).encrypt("secret", out)
        return out.getvalue()


def libreoffice(src: Path, fmt: str, dest_name: str) -> None:
    """Open `src` in LibreOffice and save it as `fmt` under `dest_name`."""
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp, "profile").as_uri()
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                fmt,
                "--outdir",
                tmp,
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        produced = Path(tmp, src.stem + "." + fmt.split(":")[0])
        shutil.move(str(produced), HERE / dest_name)


def main() -> None:
    files = {
        "template_filled.docx": filled_template_docx(BARNSLEY),
        "paragraphs.docx": paragraphs_docx(ROTHERHAM),
        "merged_nested.docx": merged_nested_docx(LIAISON),
        "two_forms.docx": two_forms_docx(LIAISON, ROTHERHAM),
        "template_filled.xlsx": filled_template_xlsx(BARNSLEY),
        "index_two_rows.xlsx": index_xlsx([LIAISON, ROTHERHAM]),
        "field_value.csv": csv_field_value(ROTHERHAM),
        "header_semicolon_cp1252.csv": csv_header_semicolon(
            [LIAISON, {**ROTHERHAM, "title": "Leave arrangements \u2013 informal patients"}]
        ),
        "plain_form.txt": text_form(ROTHERHAM),
    }
    files["macros.docm"] = with_macros(files["template_filled.docx"], "docx")
    files["macros.xlsm"] = with_macros(files["template_filled.xlsx"], "xlsx")
    files["hostile_billion_laughs.docx"] = replace_part(
        files["template_filled.docx"], "word/document.xml", BILLION_LAUGHS
    )
    files["hostile_xxe.docx"] = replace_part(files["template_filled.docx"], "word/document.xml", XXE)
    files["hostile_zip_bomb.docx"] = zip_bomb_docx(files["template_filled.docx"])
    files["hostile_pdf_named.docx"] = MINIMAL_PDF
    files["hostile_truncated.docx"] = files["template_filled.docx"][: len(files["template_filled.docx"]) // 2]
    files["hostile_empty.docx"] = b""
    files["hostile_encrypted.docx"] = encrypted(files["template_filled.docx"], ".docx")
    files["hostile_xlsx_named.docx"] = files["template_filled.xlsx"]
    for name, data in files.items():
        (HERE / name).write_bytes(data)
    # Saved by LibreOffice: what members using LibreOffice (or forms passed through it) send.
    libreoffice(HERE / "template_filled.docx", "odt", "lo_template_filled.odt")
    libreoffice(HERE / "template_filled.docx", "docx:MS Word 2007 XML", "lo_template_filled.docx")
    libreoffice(HERE / "merged_nested.docx", "odt", "lo_merged_nested.odt")
    libreoffice(HERE / "merged_nested.docx", "docx:MS Word 2007 XML", "lo_merged_nested.docx")
    libreoffice(HERE / "paragraphs.docx", "odt", "lo_paragraphs.odt")
    libreoffice(HERE / "template_filled.xlsx", "ods", "lo_template_filled.ods")
    libreoffice(HERE / "template_filled.xlsx", "xlsx:Calc MS Excel 2007 XML", "lo_template_filled.xlsx")
    libreoffice(HERE / "index_two_rows.xlsx", "ods", "lo_index_two_rows.ods")
    libreoffice(HERE / "template_filled.docx", "doc:MS Word 97", "legacy_word97.doc")
    # An HTML body as a mail client writes it: source lines wrapped in the middle of labels and values.
    libreoffice(HERE / "template_filled.docx", "html", "body_wrapped_source.html")
    libreoffice(HERE / "template_filled.xlsx", "xls:MS Excel 97", "legacy_excel97.xls")


if __name__ == "__main__":
    main()
