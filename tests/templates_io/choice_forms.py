"""Build completed forms whose choices are made the ways Word, Excel and LibreOffice let members make them.

The tests build these in memory; to look at them in Word or LibreOffice, write them out:

    .venv/bin/python tests/templates_io/choice_forms.py /tmp/choice-forms

Word: content-control tick boxes (w14:checkbox), drop-downs (w:dropDownList) and date
pickers (w:date w:fullDate); legacy protected-form fields FORMCHECKBOX and FORMDROPDOWN
(w:ffData); tick symbols in Wingdings (w:sym); an option struck through. Excel: a
data-validation list cell, and a date stored as a serial number. LibreOffice: a check
box form control (office:forms) drawn in the text.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
NS = f'xmlns:w="{W_NS}" xmlns:w14="{W14_NS}"'

# The boxes every test form fills in the same way, so only the box under test varies.
BASE = {
    "Practice example / improvement / learning": "Memory cafe for people with dementia and their carers",
    "Key theme": "9",
    "Location": "Selby",
    "Lead contact name": "Jo Example",
    "Lead contact email": "jo.example@example.nhs.test",
    "Status": "Being implemented",
    "Summary / aim": "A monthly cafe run by volunteers.",
}


class Xml(str):
    """The runs of one paragraph, as WordprocessingML, to put in a value cell instead of plain text."""


def run(text: str, props: str = "") -> str:
    return f'<w:r>{f"<w:rPr>{props}</w:rPr>" if props else ""}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def content_checkbox(checked: bool) -> str:
    glyph = run("\u2612" if checked else "\u2610", '<w:rFonts w:ascii="MS Gothic" w:hAnsi="MS Gothic"/>')
    return (
        "<w:sdt><w:sdtPr><w14:checkbox>"
        f'<w14:checked w14:val="{1 if checked else 0}"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/><w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/>'
        "</w14:checkbox></w:sdtPr><w:sdtContent>"
        f"{glyph}</w:sdtContent></w:sdt>"
    )


def content_dropdown(items: list[str], chosen: str | None) -> str:
    """A drop-down content control; `chosen` None leaves it showing its 'Choose an item.' prompt."""
    entries = "".join(f"<w:listItem w:displayText={quoteattr(i)} w:value={quoteattr(i)}/>" for i in items)
    last = f" w:lastValue={quoteattr(chosen)}" if chosen else ""
    placeholder = "" if chosen else "<w:showingPlcHdr/>"
    shown = chosen if chosen else "Choose an item."
    return (
        f"<w:sdt><w:sdtPr>{placeholder}<w:dropDownList{last}>{entries}</w:dropDownList></w:sdtPr>"
        f"<w:sdtContent>{run(shown)}</w:sdtContent></w:sdt>"
    )


def content_date(full_date: str, shown: str, fmt: str = "dd/MM/yyyy") -> str:
    return (
        f'<w:sdt><w:sdtPr><w:date w:fullDate="{full_date}"><w:dateFormat w:val="{fmt}"/><w:lid w:val="en-GB"/>'
        f"</w:date></w:sdtPr><w:sdtContent>{run(shown)}</w:sdtContent></w:sdt>"
    )


def legacy_checkbox(checked: bool | None, default: bool = False) -> str:
    """A FORMCHECKBOX: `checked` None leaves only its default state (w:default), as Word does until it is clicked."""
    state = "" if checked is None else f'<w:checked w:val="{1 if checked else 0}"/>'
    return (
        '<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check1"/><w:enabled/>'
        f'<w:calcOnExit w:val="0"/><w:checkBox><w:sizeAuto/><w:default w:val="{1 if default else 0}"/>{state}'
        '</w:checkBox></w:ffData></w:fldChar></w:r><w:r><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def legacy_dropdown(entries: list[str], result: int | None) -> str:
    """A FORMDROPDOWN with entry `result` (0-based) chosen; None: never changed, so the first entry shows."""
    chosen = "" if result is None else f'<w:result w:val="{result}"/>'
    items = "".join(f"<w:listEntry w:val={quoteattr(e)}/>" for e in entries)
    return (
        '<w:r><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Dropdown1"/><w:enabled/>'
        f'<w:calcOnExit w:val="0"/><w:ddList>{chosen}{items}</w:ddList></w:ffData></w:fldChar></w:r>'
        '<w:r><w:instrText xml:space="preserve"> FORMDROPDOWN </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def wingdings(code: str, font: str = "Wingdings") -> str:
    """A symbol inserted with Insert > Symbol: Wingdings F0FE is a ticked box, F0A8 an empty one."""
    return f'<w:r><w:sym w:font="{font}" w:char="{code}"/></w:r>'


def struck(text: str) -> str:
    return run(text, "<w:strike/>")


def docx_form(boxes: Mapping[str, str | Xml]) -> bytes:
    """A two-column form (label | answer) with BASE's answers, replaced or added to by `boxes`."""
    import docx
    from docx.oxml import parse_xml

    rows = {**BASE, **boxes}
    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    for label, answer in rows.items():
        cells = table.add_row().cells
        cells[0].text = label
        if isinstance(answer, Xml):
            cell = cells[1]._tc
            cell.remove(cell.p_lst[0])
            cell.append(parse_xml(f"<w:p {NS}>{answer}</w:p>"))
        else:
            cells[1].text = answer
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_form(
    boxes: Mapping[str, object], validated: Mapping[str, list[str]] | None = None, date_as_serial: str = ""
) -> bytes:
    """Labels in A, answers in B; `validated` puts a data-validation list on a box; `date_as_serial` stores
    that box's answer as a plain number in a General cell, as Excel does when a date is pasted as a value."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    for row, (label, answer) in enumerate({**BASE, **boxes}.items(), start=1):
        sheet.cell(row=row, column=1, value=label)
        cell = sheet.cell(row=row, column=2, value=answer)
        if label == date_as_serial:
            cell.number_format = "General"
        if validated and label in validated:
            check = DataValidation(type="list", formula1='"' + ",".join(validated[label]) + '"', allow_blank=True)
            sheet.add_data_validation(check)
            check.add(cell.coordinate)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def odt_form(boxes: Mapping[str, str], checkboxes: Mapping[str, list[tuple[str, bool]]]) -> bytes:
    """An OpenDocument text form; `checkboxes` puts LibreOffice check-box controls (label, ticked) in a box's answer."""
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    controls, rows, number = [], [], 0
    for label, answer in {**BASE, **boxes, **{k: "" for k in checkboxes}}.items():
        cell = escape(answer)
        for text, ticked in checkboxes.get(label, []):
            number += 1
            state = "checked" if ticked else "unchecked"
            controls.append(
                f'<form:checkbox form:name="Check{number}" form:control-implementation="ooo:com.sun.star.form.component.CheckBox" '
                f'xml:id="control{number}" form:id="control{number}" form:label={quoteattr(text)} '
                f'form:current-state="{state}"/>'
            )
            cell += f'<draw:control draw:control="control{number}" svg:width="2cm" svg:height="0.5cm"/>'
        rows.append(
            f"<table:table-row><table:table-cell><text:p>{escape(label)}</text:p></table:table-cell>"
            f"<table:table-cell><text:p>{cell}</text:p></table:table-cell></table:table-row>"
        )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="{office}" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:form="urn:oasis:names:tc:opendocument:xmlns:form:1.0" '
        'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3"><office:body><office:text>'
        f'<office:forms><form:form form:name="Form">{"".join(controls)}</form:form></office:forms>'
        f'<table:table table:name="Form">{"".join(rows)}</table:table></office:text></office:body></office:document-content>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
        )
    return out.getvalue()


YES_NO = ["Yes", "No"]
STATUS_LIST = ["Planned", "Being implemented", "Implemented"]
SAMPLES = {
    "share-content-checkboxes-no.docx": lambda: docx_form(
        {"Share externally": Xml(content_checkbox(False) + run(" Yes  ") + content_checkbox(True) + run(" No"))}
    ),
    "share-legacy-checkbox-no.docx": lambda: docx_form(
        {"Share externally": Xml(legacy_checkbox(False) + run(" Yes  ") + legacy_checkbox(True) + run(" No"))}
    ),
    "status-legacy-dropdown-implemented.docx": lambda: docx_form({"Status": Xml(legacy_dropdown(STATUS_LIST, 2))}),
    "status-content-dropdown.docx": lambda: docx_form(
        {"Status": Xml(content_dropdown(STATUS_LIST, "Being implemented"))}
    ),
    "date-picker-us-display.docx": lambda: docx_form(
        {"Date commenced": Xml(content_date("2025-03-04T00:00:00Z", "3/4/2025", "M/d/yyyy"))}
    ),
    "share-wingdings-yes.docx": lambda: docx_form(
        {"Share externally": Xml(wingdings("F0FE") + run(" Yes ") + wingdings("F0A8") + run(" No"))}
    ),
    "share-struck-no.docx": lambda: docx_form({"Share externally": Xml(run("Yes / ") + struck("No"))}),
    "share-validated-no.xlsx": lambda: xlsx_form({"Share externally": "No"}, {"Share externally": YES_NO}),
    "date-serial.xlsx": lambda: xlsx_form({"Date commenced": 45719}, date_as_serial="Date commenced"),
    "share-checkbox-no.odt": lambda: odt_form({}, {"Share externally": [("Yes", False), ("No", True)]}),
}


def main(folder: str) -> None:
    target = Path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for name, build in SAMPLES.items():
        (target / name).write_bytes(build())
        print(target / name)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "choice-forms")
