"""The field-reading corpus: real-shaped member mail whose forms hide in awkward places.

Imported by make_samples.py, which writes each message to tests/messages/ beside the others.
Each sample has a row in manifest.toml with the handler, the outcome, the reply and the
fields it must yield (tests/intake/test_corpus_fields.py runs them through a real Dovecot).
Attachments are built here: Outlook's winmail.dat (TNEF, written by a small encoder below),
zips, fillable and plain PDFs (pypdf), a Word file with tracked changes, spreadsheets with
merged labels, guidance sheets and guidance columns. People and addresses are invented.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import zipfile

import docx
import openpyxl

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NHSMAIL_DISCLAIMER = (
    "*"
    * 116
    + "\n\nThis message may contain confidential information. If you are not the intended recipient please inform "
    "the\nsender that you have received the message in error before deleting it.\nPlease do not disclose, copy "
    "or distribute information in this e-mail or take any action in relation to its contents. To do so is "
    "strictly prohibited and may be unlawful. Thank you for your co-operation.\n\nNHSmail is the secure email "
    "and directory service available for all NHS staff in England. NHSmail is approved for exchanging "
    "information securely with other NHSmail accounts, Scottish NHS email (nhs.scot), Wales NHS email "
    "(wales.nhs.uk), and any other accredited secure services.\n\n" + "*" * 116
)


def _plan(title: str, theme: str, place: str, lead: str, email: str, summary: str, **more: str) -> list:
    rows = [
        ("Practice example / improvement / learning", title),
        ("File No", ""),
        ("Key theme", theme),
        ("Location", place),
        ("Organisation", more.pop("organisation", "Vale Partnership NHS Trust")),
        ("Lead contact name", lead),
        ("Lead contact email", email),
        ("Status", more.pop("status", "Being implemented")),
        ("Date commenced", more.pop("commenced", "May 2026")),
        ("Summary / aim", summary),
    ]
    rows += [(label.replace("_", " ").capitalize(), value) for label, value in more.items()]
    rows.append(("Share externally", "No"))
    return rows


# ---------------------------------------------------------------- attachments


def _docx_bytes(rows: list, title: str = "MLN reporting template") -> bytes:
    document = docx.Document()
    document.add_heading(title, level=1)
    table = document.add_table(rows=0, cols=2)
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    out = io.BytesIO()
    document.save(out)
    return _rezip(out.getvalue())


def _rezip(data: bytes, part: str = "", change=None) -> bytes:  # type: ignore[no-untyped-def]
    """The Office file again, with fixed timestamps (so regenerating gives the same bytes) and `part` changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2026-10-01T09:00:00Z", content)
            if change is not None and info.filename == part:
                content = change(content)
            dst.writestr(
                zipfile.ZipInfo(info.filename, date_time=(2026, 10, 1, 9, 0, 0)), content, zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


_TRACK = 'w:id="{id}" w:author="Sam Reviewer" w:date="2026-10-01T09:00:00Z"'


def tracked_docx() -> bytes:
    """Summary with an insertion and a deletion; Actions with a sentence moved to the end."""
    rows = _plan(
        "Memory assessment in GP surgeries",
        "Primary Care",
        "Doncaster",
        "Imran Qureshi",
        "imran.qureshi@example.nhs.test",
        "SUMMARY-HERE",
        actions="ACTIONS-HERE",
    )

    def change(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        summary = (
            '<w:t xml:space="preserve">Weekly memory clinics </w:t></w:r>'
            f"<w:del {_TRACK.format(id=1)}><w:r><w:delText>in two surgeries</w:delText></w:r></w:del>"
            f"<w:ins {_TRACK.format(id=2)}><w:r><w:t>in four surgeries</w:t></w:r></w:ins>"
            '<w:r><w:t xml:space="preserve"> so people are seen near home.</w:t>'
        )
        actions = (
            '<w:t xml:space="preserve">Agreed rooms with practice managers. </w:t></w:r>'
            f"<w:moveFrom {_TRACK.format(id=3)}><w:r><w:t>Trained two nurses.</w:t></w:r></w:moveFrom>"
            '<w:r><w:t xml:space="preserve"> Sent letters to patients. </w:t></w:r>'
            f"<w:moveTo {_TRACK.format(id=4)}><w:r><w:t>Trained two nurses.</w:t></w:r></w:moveTo>"
            "<w:r><w:t></w:t>"
        )
        text = text.replace("<w:t>SUMMARY-HERE</w:t>", summary).replace("<w:t>ACTIONS-HERE</w:t>", actions)
        return text.encode("utf-8")

    return _rezip(_docx_bytes(rows), "word/document.xml", change)


def docx_merged_label() -> bytes:
    """Word: the Actions label merged down over three rows, one answer line in each; a row deleted with
    track changes on."""
    document = docx.Document()
    table = document.add_table(rows=0, cols=2)
    rows = _plan(
        "Hearing checks in memory clinics",
        "Primary Care",
        "Selby",
        "Tom Ash",
        "tom.ash@example.org",
        "Check hearing before memory tests.",
    )
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    first = table.add_row().cells
    first[0].text, first[1].text = "Actions", "Bought two audiometers."
    for line in ("Trained clinic nurses.", "Added the check to the clinic letter."):
        table.add_row().cells[1].text = line
    count = len(table.rows)
    table.cell(count - 3, 0).merge(table.cell(count - 1, 0))
    deleted = table.add_row().cells
    deleted[0].text, deleted[1].text = "Outcomes", "DELETED-ROW"
    out = io.BytesIO()
    document.save(out)

    def change(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        row_start = text.rfind("<w:tr>", 0, text.index("DELETED-ROW"))
        marker = f"<w:trPr><w:del {_TRACK.format(id=9)}/></w:trPr>"
        return (text[: row_start + len("<w:tr>")] + marker + text[row_start + len("<w:tr>") :]).encode("utf-8")

    return _rezip(out.getvalue(), "word/document.xml", change)


def continuation_xlsx() -> bytes:
    """Excel: a first sheet of notes called 'Sheet1' (no telling name), then the form whose Learning runs
    on in column B below an empty label cell."""
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Sheet1"
    for row in (
        ("Title", "Give your project a short title"),
        ("Key theme", "Please choose one of the ten themes"),
        ("Location", "Which town or borough?"),
        ("Lead contact", "Who should people contact?"),
    ):
        notes.append(row)
    form = book.create_sheet("Sheet2")
    for row in (
        ("Title", "Dementia champions in libraries"),
        ("Key theme", "9"),
        ("Location", "Bridlington"),
        ("Lead contact", "Zara Khan, zara.khan@example.org"),
        ("Status", "Implemented"),
        ("Summary", "Library staff trained as dementia champions."),
        ("Learning", "Staff wanted refresher sessions."),
        (None, "Volunteers kept the reading group going."),
    ):
        form.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return _rezip(out.getvalue())


def merged_xlsx() -> bytes:
    """Actions over three rows under one merged label; extra rows the form does not have (Partners, Funding)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Form"
    rows = [
        ("Practice example / improvement / learning", "Carers' peer support groups"),
        ("Key theme", "Service User Engagement"),
        ("Location", "Whitby"),
        ("Lead contact name", "Nia Campbell"),
        ("Lead contact email", "nia.campbell@example.org"),
        ("Status", "Implemented"),
        ("Summary / aim", "Monthly peer groups for carers of people with dementia."),
        ("Actions", "Recruited six peer leaders."),
        ("", "Booked the library for a year."),
        ("", "Ran the first group in March."),
        ("Partners", "Carers Trust North Yorkshire"),
        ("Funding", "Small grant from the ICB, £2,000"),
        ("Share externally", "Yes"),
    ]
    for label, value in rows:
        sheet.append([label or None, value])
    sheet.merge_cells("A8:A10")
    out = io.BytesIO()
    book.save(out)
    return _rezip(out.getvalue())


def guidance_xlsx() -> bytes:
    """A first sheet of guidance notes, then the form with a guidance column between label and answer."""
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Guidance notes"
    notes.append(["How to complete this form"])
    notes.append(["Practice example / improvement / learning", "A short title for the improvement."])
    notes.append(["Key theme", "One of the key themes, by number or by name."])
    notes.append(["Location", "The town, borough or area where the work happens."])
    notes.append(["Summary / aim", "What are you trying to accomplish?"])
    form = book.create_sheet("Template")
    form.append(["Box", "Guidance", "Your answer"])
    rows = [
        (
            "Practice example / improvement / learning",
            "A short title for the improvement.",
            "Falls clinic for care homes",
        ),
        ("Key theme", "One of the key themes listed below, by number or by name.", "6"),
        ("Location", "The town, borough or area where the work happens.", "Scarborough"),
        ("Organisation", "The lead organisation.", "X Trust"),
        ("Lead contact name", "The person to contact about this work.", "Dev Patel"),
        ("Lead contact email", "Their email address, e.g. name@example.nhs.uk.", "dev.patel@example.nhs.test"),
        ("Status", "Write Planned, Being implemented or Implemented.", "Planned"),
        ("Summary / aim", "What are you trying to accomplish?", "Fewer falls in six care homes."),
    ]
    for row in rows:
        form.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return _rezip(out.getvalue())


def pdf_bytes(fields: dict[str, str] | None = None) -> bytes:
    """A one-page PDF; with `fields`, a fillable form (tooltip = label). A value "/Yes" or "/Off" is a tick box."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, TextStringObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    if fields:
        annots, refs = ArrayObject(), ArrayObject()
        for i, (label, value) in enumerate(fields.items()):
            field = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Annot"),
                    NameObject("/Subtype"): NameObject("/Widget"),
                    NameObject("/FT"): NameObject("/Btn" if value.startswith("/") else "/Tx"),
                    NameObject("/T"): TextStringObject(f"field{i + 1}"),
                    NameObject("/TU"): TextStringObject(label),
                    NameObject("/V"): NameObject(value) if value.startswith("/") else TextStringObject(value),
                    NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (50, 780 - 30 * i, 500, 800 - 30 * i)]),
                }
            )
            ref = writer._add_object(field)
            annots.append(ref)
            refs.append(ref)
        page[NameObject("/Annots")] = annots
        writer._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): refs})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def tnef_bytes(files: list[tuple[str, bytes]]) -> bytes:
    """A winmail.dat as Outlook writes it for Rich Text mail: version, codepage, then each attachment."""

    def attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
        return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", sum(data) & 0xFFFF)

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x00010000))
    out += attribute(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))
    out += attribute(1, 0x8008, 0x0007, b"IPM.Microsoft Mail.Note\x00")
    for name, data in files:
        out += attribute(2, 0x9002, 0x0006, struct.pack("<HIIIH", 1, 0xFFFFFFFF, 0, 0, 0))
        out += attribute(2, 0x8010, 0x0001, name.encode("cp1252") + b"\x00")
        out += attribute(2, 0x800F, 0x0006, data)
    return out


def zip_bytes(files: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 10, 1, 9, 0, 0)), data)
    return out.getvalue()


OLE_DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"WordDocument" + b"\x00" * 500
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x11" * 300 + b"\xff\xd9"


# ---------------------------------------------------------------- message shells


def _b64(data: bytes) -> str:
    text = base64.b64encode(data).decode("ascii")
    return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))


def _crlf(text: str) -> bytes:
    return "\r\n".join(text.replace("\r\n", "\n").split("\n")).encode("utf-8")


def _parts(boundary: str, attachments: list[tuple[str, str, bytes]]) -> str:
    out = ""
    for name, ctype, data in attachments:
        out += (
            f'--{boundary}\nContent-Type: {ctype}; name="{name}"\nContent-Description: {name}\n'
            f'Content-Disposition: attachment; filename="{name}"; size={len(data)}\n'
            f"Content-Transfer-Encoding: base64\n\n{_b64(data)}\n\n"
        )
    return out


def outlook(slug: str, sender: str, name: str, subject: str, text: str, attachments=(), html: str = "") -> bytes:  # type: ignore[no-untyped-def]
    """Outlook / Exchange Online: multipart/mixed > alternative (text + HTML), attachments after."""
    html = (
        html
        or "<html><body>" + "".join(f'<p class="MsoNormal">{line}</p>' for line in text.split("\n")) + "</body></html>"
    )
    mixed, alt = f"_004_{slug}_", f"_000_{slug}_"
    head = f"""From: {name} <{sender}>
To: "MLN Bulletin" <mln@example.org>
Subject: {subject}
Thread-Topic: {subject}
Date: Thu, 01 Oct 2026 09:12:27 +0000
Message-ID: <{slug}@EXAMPLE.eurprd03.prod.example.net>
Accept-Language: en-GB, en-US
Content-Language: en-GB
X-MS-Has-Attach: {"yes" if attachments else ""}
X-Mailer: Microsoft Outlook 16.0
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="{mixed}"

--{mixed}
Content-Type: multipart/alternative; boundary="{alt}"

--{alt}
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

{text}

--{alt}
Content-Type: text/html; charset="utf-8"
Content-Transfer-Encoding: 8bit

{html}

--{alt}--

"""
    return _crlf(head + _parts(mixed, list(attachments)) + f"--{mixed}--\n")


def gmail(slug: str, sender: str, name: str, subject: str, text: str, attachments=()) -> bytes:  # type: ignore[no-untyped-def]
    mixed = f"0000000000{slug[:16]}"
    head = f"""MIME-Version: 1.0
From: {name} <{sender}>
Date: Thu, 1 Oct 2026 10:40:52 +0100
Message-ID: <CA{slug}@mail.example.org>
Subject: {subject}
To: mln@example.org
Content-Type: multipart/mixed; boundary="{mixed}"

--{mixed}
Content-Type: text/plain; charset="UTF-8"

{text}

"""
    return _crlf(head + _parts(mixed, list(attachments)) + f"--{mixed}--\n")


def apple_html(slug: str, sender: str, name: str, subject: str, html: str) -> bytes:
    return _crlf(f"""From: {name} <{sender}>
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: 8bit
Mime-Version: 1.0 (Mac OS X Mail 16.0)
Subject: {subject}
Message-Id: <{slug}@example.nhs.test>
Date: Thu, 1 Oct 2026 21:03:44 +0100
To: mln@example.org

{html}
""")


def apple_text(slug: str, sender: str, name: str, subject: str, text: str) -> bytes:
    return _crlf(f"""From: {name} <{sender}>
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit
Mime-Version: 1.0 (Mac OS X Mail 16.0)
Subject: {subject}
Message-Id: <{slug}@example.nhs.test>
Date: Thu, 1 Oct 2026 21:03:44 +0100
To: mln@example.org

{text}
""")


def _lines(rows: list) -> str:
    return "\n".join(f"{label}: {value}" for label, value in rows)


# ---------------------------------------------------------------- the samples


def tnef_winmail() -> bytes:
    form = _docx_bytes(
        _plan(
            "Dementia-friendly wards",
            "In Patient Services",
            "Hull",
            "Ruth Adeyemi",
            "ruth.adeyemi@example.nhs.test",
            "Every ward signed up to the dementia pledge.",
        )
    )
    dat = tnef_bytes([("Dementia wards plan.docx", form), ("image001.png", b"\x89PNG\r\n\x1a\n" + b"0" * 40)])
    return outlook(
        "tnef1",
        "ruth.adeyemi@example.nhs.test",
        "Ruth Adeyemi",
        "Improvement plan - dementia wards",
        "Hello,\nOur plan is attached.\nKind regards\nRuth",
        [("winmail.dat", "application/ms-tnef", dat)],
    )


def zip_forms() -> bytes:
    form = _docx_bytes(
        _plan(
            "Crisis line for older adults",
            "Specialist CMHT / Intermediate Care",
            "Grimsby",
            "Owen Price",
            "owen.price@example.nhs.test",
            "A crisis line staffed by the CMHT.",
        )
    )
    archive = zip_bytes([("plans/Crisis line.docx", form), ("__MACOSX/plans/._Crisis line.docx", b"\x00\x05")])
    return gmail(
        "zip1",
        "owen.price.mln@example.org",
        "Owen Price",
        "Our template (zipped)",
        "Hi, zipped as the mail server strips Word files.\nThanks\nOwen",
        [("plans.zip", "application/zip", archive)],
    )


def pdf_form() -> bytes:
    fields = {
        "Practice example / improvement / learning": "Hospital discharge buddies",
        "Key theme": "Liaison / General Hospital",
        "Location": "Wakefield",
        "Lead contact name": "Mei Lin",
        "Lead contact email": "mei.lin@example.nhs.test",
        "Status": "Planned",
        "Summary / aim": "Volunteers who visit older people in the week after discharge.",
        "Share externally": "No",
    }
    return outlook(
        "pdfform1",
        "mei.lin@example.nhs.test",
        "Mei Lin",
        "Copy of MLN reporting template - completed",
        "Please find my completed form attached (PDF).\nMany thanks\nMei",
        [("MLN reporting template.pdf", "application/pdf", pdf_bytes(fields))],
    )


def plain_pdf() -> bytes:
    return outlook(
        "pdfplain1",
        "g.hughes@example.nhs.test",
        "Gwen Hughes",
        "Our plan",
        "Attached is our plan as a PDF.\nBest wishes\nGwen",
        [("Our plan.pdf", "application/pdf", pdf_bytes())],
    )


def legacy_doc() -> bytes:
    return outlook(
        "doc1",
        "p.oconnor@example.nhs.test",
        "Pat O'Connor",
        "Reporting template",
        "Here is the template filled in.\nRegards\nPat",
        [("MLN template.doc", "application/msword", OLE_DOC)],
    )


def photo_of_form() -> bytes:
    return gmail(
        "photo1",
        "l.baker.mln@example.org",
        "Lou Baker",
        "Plan",
        "Photo of our form attached, sorry no scanner.\nLou",
        [("IMG_2041.jpg", "image/jpeg", JPEG)],
    )


def pages_file() -> bytes:
    pages = zip_bytes([("index.xml", b"<sf:document/>")])
    return gmail(
        "pages1",
        "k.ng.mln@example.org",
        "Kit Ng",
        "improvement plan",
        "From my Mac.\nKit",
        [("Plan.pages", "application/x-iwork-pages-sffpages", pages)],
    )


def html_table_no_colons() -> bytes:
    rows = _plan(
        "Befriending by phone",
        "Service User Engagement",
        "Harrogate",
        "Ama Mensah",
        "ama.mensah@example.org",
        "Weekly calls to isolated older people by trained volunteers.",
    )
    cells = "".join(f"<tr><td><b>{label}</b></td><td>{value}</td></tr>" for label, value in rows)
    html = (
        "<html><body><p>Hello, I could not open the Word form so here it is.</p>"
        f'<table border="1">{cells}</table><p>Kind regards</p><p>Ama Mensah<br>Volunteer Coordinator<br>'
        "Tel: 01423 555 0101</p></body></html>"
    )
    return apple_html("htmltable1", "ama.mensah@example.org", "Ama Mensah", "Befriending plan", html)


def short_labels_body() -> bytes:
    text = (
        "Hi,\n\nTitle: Singing for the brain\nTheme: Health Promotion\nLocation: Beverley\n"
        "Lead: Jo Marsh\nEmail: jo.marsh@example.org\nStatus: Implemented\n"
        "Summary: Weekly singing sessions for people with dementia and their carers.\n\nThanks\nJo"
    )
    return apple_text("shortlabels1", "jo.marsh@example.org", "Jo Marsh", "Singing for the brain", text)


def signature_disclaimer_body() -> bytes:
    rows = _plan(
        "Out-of-hours advice line for care homes",
        "Care Homes / Housing / Home Care / Day Services",
        "Selby",
        "Femi Okoro",
        "femi.okoro@example.nhs.test",
        "A phone line to a mental-health nurse.",
    )
    text = (
        "Good morning,\n\n" + _lines(rows) + "\nLearning: Homes used it most at weekends.\n"
        "Night staff rang more once they had met the nurses.\n\nMany thanks\nFemi\n\nFemi Okoro\n"
        "Clinical Lead, Older People's Services\nVale Partnership NHS Trust\nTel: 01757 555 0199\n\n"
        + NHSMAIL_DISCLAIMER
    )
    return outlook("sigdisc1", "femi.okoro@example.nhs.test", "Femi Okoro", "Improvement plan - advice line", text)


def signature_no_sign_off_body() -> bytes:
    rows = _plan(
        "Memory cafe in the library",
        "Health Promotion",
        "Thirsk",
        "Rosa Diaz",
        "rosa.diaz@example.org",
        "A monthly cafe with the library service.",
    )
    text = (
        _lines(rows) + "\nLearning: Carers valued meeting each other as much as the sessions.\n\n"
        "Rosa Diaz\nDementia Adviser\nMob: 07700 900123\nwww.example.org/memorycafe\n"
    )
    return gmail("signoff1", "rosa.diaz@example.org", "Rosa Diaz", "Memory cafe", text)


def reply_quoting_earlier_mail() -> bytes:
    rows = _plan(
        "Pharmacy reviews in care homes",
        "Primary Care",
        "Ripon",
        "Sunil Rao",
        "sunil.rao@example.nhs.test",
        "Medication reviews for every resident twice a year.",
    )
    text = (
        _lines(rows) + "\nOutcomes: Antipsychotic prescribing fell by a third.\n\n"
        "From: MLN Bulletin <mln@example.org>\nSent: 28 September 2026 10:00\nTo: Sunil Rao "
        "<sunil.rao@example.nhs.test>\nSubject: Reporting template: MLN\n\nHere is the blank reporting template."
    )
    return outlook("quoted1", "sunil.rao@example.nhs.test", "Sunil Rao", "RE: Reporting template: MLN", text)


def tracked_changes() -> bytes:
    return outlook(
        "tracked1",
        "imran.qureshi@example.nhs.test",
        "Imran Qureshi",
        "Updated template",
        "Attached, with my colleague's changes.\nImran",
        [("Memory clinics.docx", DOCX_TYPE, tracked_docx())],
    )


def merged_cells() -> bytes:
    return gmail(
        "merged1",
        "nia.campbell@example.org",
        "Nia Campbell",
        "Carers groups - template",
        "Spreadsheet attached.\nNia",
        [("Carers groups.xlsx", XLSX_TYPE, merged_xlsx())],
    )


def guidance_sheet() -> bytes:
    return outlook(
        "guidance1",
        "dev.patel@example.nhs.test",
        "Dev Patel",
        "Falls clinic template",
        "Please see attached.\nDev",
        [("Falls clinic.xlsx", XLSX_TYPE, guidance_xlsx())],
    )


def template_request_with_form() -> bytes:
    form = _docx_bytes(
        _plan(
            "Link workers in A&E",
            "Liaison / General Hospital",
            "York",
            "Hana Sato",
            "hana.sato@example.nhs.test",
            "Mental-health link workers in the emergency department.",
        )
    )
    return outlook(
        "tplform1",
        "hana.sato@example.nhs.test",
        "Hana Sato",
        "Copy of MLN reporting template",
        "Completed copy attached.\nHana",
        [("Copy of MLN reporting template.docx", DOCX_TYPE, form)],
    )


def template_request_with_body_form() -> bytes:
    text = (
        "Please send the template in Word next time, meanwhile here is ours:\n\n"
        "Title: Walking football for men over 60\nTheme: Health Promotion\nLocation: Pontefract\n"
        "Contact: Lee Ward, lee.ward@example.org\nStatus: Being implemented\n"
        "Summary: A weekly walking football session with a memory-clinic nurse on hand.\n\nCheers\nLee"
    )
    return apple_text("tplbody1", "lee.ward@example.org", "Lee Ward", "please send the template", text)


def body_form_with_logo() -> bytes:
    """Outlook: the form typed in the body as bold labels, a sign-off, and the trust's logo as an attachment."""
    rows = _plan(
        "Memory support workers",
        "Specialist CMHT / Intermediate Care",
        "Malton",
        "Beth Cole",
        "beth.cole@example.nhs.test",
        "Support workers who follow people up after diagnosis.",
    )
    text = _lines(rows) + "\nLearning: Families rang the workers more than the clinic.\n\nBest wishes\nBeth"
    html = "<html><body>" + "".join(f"<p><b>{label}:</b> {value}</p>" for label, value in rows)
    html += "<p><b>Learning:</b> Families rang the workers more than the clinic.</p><p>Best wishes</p><p>Beth</p>"
    html += '<p><img src="cid:image001.png@01DA0000"></p></body></html>'
    logo = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    return outlook(
        "logo1",
        "beth.cole@example.nhs.test",
        "Beth Cole",
        "Memory support workers",
        text,
        [("image001.png", "image/png", logo)],
        html=html,
    )


def tnef_only_doc() -> bytes:
    dat = tnef_bytes([("Plan 2026.doc", OLE_DOC)])
    return outlook(
        "tnefdoc1",
        "s.webb@example.nhs.test",
        "Sam Webb",
        "Plan for this round",
        "Hello, plan attached.\nSam",
        [("winmail.dat", "application/ms-tnef", dat)],
    )


def zip_pdf_tick_boxes() -> bytes:
    fields = {
        "Title": "Falls prevention exercise classes",
        "Key theme": "Health Promotion",
        "Location": "Filey",
        "Lead contact name": "Ola Nowak",
        "Lead contact email": "ola.nowak@example.org",
        "Status": "Being implemented",
        "Summary": "Strength and balance classes in sheltered housing.",
        "Share externally - Yes": "/Off",
        "Share externally - No": "/Yes",
    }
    archive = zip_bytes([("Falls classes.pdf", pdf_bytes(fields)), ("Scan of sign-in sheet.pdf", pdf_bytes())])
    return gmail(
        "zippdf1",
        "ola.nowak@example.org",
        "Ola Nowak",
        "Falls classes form",
        "Form attached (zipped PDF).\nOla",
        [("Falls classes.zip", "application/x-zip-compressed", archive)],
    )


def reply_above_quoted_form() -> bytes:
    """Gmail: a corrected body form typed above the quoted copy of the member's first one."""
    new = _plan(
        "Dementia-friendly swimming",
        "Health Promotion",
        "Hornsea",
        "Ivy Long",
        "ivy.long@example.org",
        "Quiet sessions at the leisure centre, now twice a week.",
    )
    old = _plan(
        "Dementia-friendly swimming",
        "Health Promotion",
        "Withernsea",
        "Ivy Long",
        "ivy.long@example.org",
        "Quiet sessions at the leisure centre, once a week.",
    )
    quoted = "\n".join(f"> {line}" for line in _lines(old).split("\n"))
    text = (
        _lines(new)
        + "\n\nThanks\nIvy\n\nOn Wed, 30 Sep 2026 at 14:02, Ivy Long <ivy.long@example.org> wrote:\n"
        + quoted
    )
    return gmail("above1", "ivy.long@example.org", "Ivy Long", "Re: Dementia-friendly swimming (corrected)", text)


def docx_merged_label_mail() -> bytes:
    return outlook(
        "vmerge1",
        "tom.ash@example.org",
        "Tom Ash",
        "Hearing checks template",
        "Attached.\nTom",
        [("Hearing checks.docx", DOCX_TYPE, docx_merged_label())],
    )


def continuation_rows() -> bytes:
    return gmail(
        "controws1",
        "zara.khan@example.org",
        "Zara Khan",
        "Dementia champions",
        "Attached.\nZara",
        [("Champions.xlsx", XLSX_TYPE, continuation_xlsx())],
    )


def plain_question() -> bytes:
    return apple_text(
        "question1",
        "c.evans@example.nhs.test",
        "Cerys Evans",
        "Next network meeting",
        "Hello, when is the next network meeting?\nThanks\nCerys",
    )


CORPUS = {
    "outlook-tnef-winmail.eml": tnef_winmail,
    "gmail-zip-submission.eml": zip_forms,
    "outlook-pdf-form.eml": pdf_form,
    "outlook-plain-pdf.eml": plain_pdf,
    "outlook-legacy-doc.eml": legacy_doc,
    "gmail-photo-of-form.eml": photo_of_form,
    "gmail-pages-file.eml": pages_file,
    "apple-html-table-no-colons.eml": html_table_no_colons,
    "apple-short-labels-body.eml": short_labels_body,
    "outlook-signature-disclaimer-body.eml": signature_disclaimer_body,
    "gmail-signature-without-sign-off.eml": signature_no_sign_off_body,
    "outlook-reply-quoting-earlier-mail.eml": reply_quoting_earlier_mail,
    "outlook-tracked-changes-docx.eml": tracked_changes,
    "gmail-merged-cells-xlsx.eml": merged_cells,
    "outlook-guidance-sheet-xlsx.eml": guidance_sheet,
    "outlook-template-request-with-form.eml": template_request_with_form,
    "apple-template-request-with-body-form.eml": template_request_with_body_form,
    "apple-plain-question.eml": plain_question,
    "outlook-body-form-with-logo.eml": body_form_with_logo,
    "outlook-tnef-only-doc.eml": tnef_only_doc,
    "gmail-zip-pdf-tick-boxes.eml": zip_pdf_tick_boxes,
    "gmail-reply-above-quoted-form.eml": reply_above_quoted_form,
    "outlook-docx-merged-label.eml": docx_merged_label_mail,
    "gmail-xlsx-continuation-rows.eml": continuation_rows,
}
