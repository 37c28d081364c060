"""One row per sample file in tests/templates/: the forms it should yield, or the reply-worthy error."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from pipeline import errors
from pipeline.config import LimitSettings
from pipeline.templates_io.reader import read_forms

SAMPLES = Path(__file__).resolve().parents[1] / "templates"
LIMITS = LimitSettings()
BARNSLEY = {
    "title": "Development of an education package on older people's mental-health needs",
    "theme": "care homes",
    "locality": "Barnsley",
    "region": "Yorkshire and Humber",
    "organisation_type": "Mental Health Trust",
    "lead_email": "alex.example@example.nhs.test",
    "status": "in progress",
    "date_commenced": "June 2006",
    "completion_date": "evaluation planned for Sept 06",
    "summary": "Give care-home staff the knowledge to spot depression and dementia early.\nEvery home in the borough to take part.",
    "actions": "PDSA cycle 1: pilot in two homes.\nPDSA cycle 2: revised handbook.",
    "share_externally": "Yes",
    "file_no": "",
}
ROTHERHAM = {
    "title": "Clarity around leave arrangements for informal patients",
    "theme": "5",
    "locality": "Rotherham",
    "lead_name": "Sam Sample",
    "date_commenced": "To commence Oct 06",
    "share_externally": "no",
}
INDEX_ROTHERHAM = {k: v for k, v in ROTHERHAM.items() if k != "share_externally"}
LIAISON = {
    "title": "Current database of North East liaison network",
    "theme": "Liaison",
    "locality": "North East England",
    "lead_name": "Pat Person",
    "lead_email": "pat.person@example.org",
    "date_commenced": "June 2004/August 2006",
    "status": "Implemented",
}

GOOD = [
    ("template_filled.docx", [BARNSLEY]),
    ("lo_template_filled.docx", [BARNSLEY]),
    ("lo_template_filled.odt", [BARNSLEY]),
    ("template_filled.xlsx", [BARNSLEY]),
    ("lo_template_filled.xlsx", [BARNSLEY]),
    ("lo_template_filled.ods", [BARNSLEY]),
    ("macros.docm", [BARNSLEY]),
    ("macros.xlsm", [BARNSLEY]),
    ("paragraphs.docx", [ROTHERHAM]),
    ("lo_paragraphs.odt", [ROTHERHAM]),
    ("merged_nested.docx", [LIAISON]),
    ("lo_merged_nested.docx", [LIAISON]),
    ("lo_merged_nested.odt", [LIAISON]),
    ("two_forms.docx", [LIAISON, ROTHERHAM]),
    (
        "index_two_rows.xlsx",
        [{**LIAISON, "date_commenced": "June 2006"}, {**INDEX_ROTHERHAM, "date_commenced": "07/09/2006"}],
    ),
    (
        "lo_index_two_rows.ods",
        [{**LIAISON, "date_commenced": "June 2006"}, {**INDEX_ROTHERHAM, "date_commenced": "07/09/2006"}],
    ),
    ("field_value.csv", [ROTHERHAM]),
    (
        "header_semicolon_cp1252.csv",
        [{"title": LIAISON["title"]}, {"title": "Leave arrangements \u2013 informal patients"}],
    ),
    ("plain_form.txt", [ROTHERHAM]),
]

BAD = [
    ("hostile_billion_laughs.docx", errors.UnsafeXml, "document type declaration"),
    ("hostile_xxe.docx", errors.UnsafeXml, "document type declaration"),
    ("hostile_zip_bomb.docx", errors.UnsafeArchive, "far more data than a form holds"),
    ("hostile_encrypted.docx", errors.Encrypted, "protected with a password"),
    ("hostile_pdf_named.docx", errors.WrongContent, "is really a PDF file"),
    ("hostile_xlsx_named.docx", errors.WrongContent, "is really a .xlsx file"),
    ("hostile_truncated.docx", errors.Damaged, "damaged or cut short"),
    ("hostile_empty.docx", errors.EmptyFile, "is empty (0 bytes)"),
    ("legacy_word97.doc", errors.LegacyFormat, "save it as .docx"),
    ("legacy_excel97.xls", errors.LegacyFormat, "save it as .xlsx"),
]


@pytest.mark.parametrize(("name", "expected"), GOOD, ids=[row[0] for row in GOOD])
def test_sample_yields_its_forms(name, expected):
    forms = read_forms(name, "", (SAMPLES / name).read_bytes(), LIMITS)
    assert len(forms) == len(expected)
    for form, fields in zip(forms, expected):
        for key, value in fields.items():
            assert form.get(key) == value, f"{name}: {key}"
        assert form.source == name


@pytest.mark.parametrize(("name", "error", "words"), BAD, ids=[row[0] for row in BAD])
def test_hostile_or_broken_sample_gets_a_clear_error(name, error, words):
    with pytest.raises(error) as caught:
        read_forms(name, "", (SAMPLES / name).read_bytes(), LIMITS)
    assert words in str(caught.value)
    assert name in str(caught.value)


def test_html_body_with_wrapped_source_lines():
    """Mail clients wrap HTML source inside labels and values ("Key\n theme"); HTML whitespace is one space."""
    from pipeline.intake.handlers.submission import body_forms

    (form,) = body_forms("", (SAMPLES / "body_wrapped_source.html").read_text(encoding="utf-8", errors="replace"))
    for key, value in BARNSLEY.items():
        # Each line of a multi-line answer was its own paragraph: they come back a blank line apart.
        assert form.get(key) == value.replace("\n", "\n\n"), key


def test_every_sample_file_has_a_row():
    listed = {row[0] for row in GOOD} | {row[0] for row in BAD} | {"body_wrapped_source.html"}
    on_disk = {p.name for p in SAMPLES.iterdir() if p.suffix != ".py"}
    assert on_disk == listed


def test_macro_enabled_files_are_flagged_and_read_for_values_only():
    for name in ("macros.docm", "macros.xlsm"):
        (form,) = read_forms(name, "", (SAMPLES / name).read_bytes(), LIMITS)
        assert form.macros is True
    (plain,) = read_forms("template_filled.docx", "", (SAMPLES / "template_filled.docx").read_bytes(), LIMITS)
    assert plain.macros is False


def test_oversize_attachment_is_refused_before_reading():
    data = (SAMPLES / "template_filled.docx").read_bytes()
    with pytest.raises(errors.TooLarge, match="over our limit"):
        read_forms("big.docx", "", data + b"\0" * (LIMITS.max_attachment_bytes - len(data) + 1), LIMITS)


def test_zip_with_too_many_entries_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for i in range(LIMITS.zip_max_entries + 1):
            archive.writestr(f"word/part{i}.xml", "<a/>")
    with pytest.raises(errors.UnsafeArchive, match="parts"):
        read_forms("many.docx", "", out.getvalue(), LIMITS)


def test_zip_whose_total_size_is_over_the_limit_is_refused():
    small = LimitSettings(zip_max_total_bytes=1000)
    with pytest.raises(errors.UnsafeArchive):
        read_forms("t.docx", "", (SAMPLES / "template_filled.docx").read_bytes(), small)


def test_blank_template_is_reported_as_blank():
    from pipeline.config import NetworkSettings
    from pipeline.templates_io.generate import generate_template

    for fmt in ("docx", "xlsx", "csv", "txt"):
        with pytest.raises(errors.BlankForm, match="nothing was filled in"):
            read_forms(f"blank.{fmt}", "", generate_template(fmt, NetworkSettings()), LIMITS)


def test_pictures_and_plain_pdfs_are_named_as_unreadable_and_cards_are_not_forms():
    with pytest.raises(errors.Unsupported, match="We could not read logo.png: it is a picture"):
        read_forms("logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, LIMITS)
    with pytest.raises(errors.Unsupported, match="We could not read plan.pdf: it is a PDF, not a fillable form"):
        read_forms("plan.pdf", "application/pdf", (SAMPLES / "hostile_pdf_named.docx").read_bytes(), LIMITS)
    assert read_forms("invite.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", LIMITS) == []


def test_zip_that_lies_about_its_sizes_is_never_inflated_past_them():
    """Central directory and local header claim 1 KB; the stream inflates to 100 MB. zipfile stops at the
    declared size, the CRC then fails, and the sender is told the file is damaged."""
    import struct

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        entry = zipfile.ZipInfo("word/document.xml")
        entry.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(entry, "w", force_zip64=False) as handle:
            for _ in range(100):
                handle.write(b"<" * (1024 * 1024))
    data = bytearray(out.getvalue())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (pos := data.find(signature, start)) != -1:
            struct.pack_into("<I", data, pos + offset, 1024)
            start = pos + 4
    with pytest.raises(errors.Damaged, match="damaged"):
        read_forms("liar.docx", "", bytes(data), LIMITS)


def _rewrite(name: str, changes: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO((SAMPLES / name).read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for info in source.infolist():
            dest.writestr(info, changes.get(info.filename, source.read(info)))
    return out.getvalue()


def test_password_protected_odf_is_recognised():
    """An ODF saved with a password: content.xml is ciphertext and the manifest says so."""
    manifest = zipfile.ZipFile(io.BytesIO((SAMPLES / "lo_template_filled.odt").read_bytes())).read(
        "META-INF/manifest.xml"
    )
    manifest = manifest.replace(
        b'manifest:full-path="content.xml"', b'manifest:full-path="content.xml" manifest:size="9000"', 1
    )
    manifest = manifest.replace(
        b"</manifest:manifest>",
        b'<manifest:file-entry manifest:full-path="x"><manifest:encryption-data '
        b'manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"/></manifest:file-entry></manifest:manifest>',
    )
    data = _rewrite(
        "lo_template_filled.odt", {"META-INF/manifest.xml": manifest, "content.xml": bytes(range(256)) * 40}
    )
    with pytest.raises(errors.Encrypted, match="protected with a password"):
        read_forms("locked.odt", "", data, LIMITS)


def test_entities_in_an_odf_or_xlsx_part_are_refused():
    doctype = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    for name, part in (
        ("lo_template_filled.odt", "content.xml"),
        ("lo_template_filled.xlsx", "xl/sharedStrings.xml"),
        ("template_filled.xlsx", "xl/worksheets/sheet1.xml"),
    ):
        body = zipfile.ZipFile(io.BytesIO((SAMPLES / name).read_bytes())).read(part)
        if body.startswith(b"<?xml"):
            head, _, rest = body.partition(b"?>")
            hostile = head + b"?>\n" + doctype + rest
        else:
            hostile = doctype + body
        with pytest.raises(errors.UnsafeXml):
            read_forms(name, "", _rewrite(name, {part: hostile}), LIMITS)


def test_an_oversized_xml_part_is_refused_before_parsing():  # over safety.MAX_XML_PART_BYTES
    data = _rewrite("template_filled.xlsx", {"xl/worksheets/sheet1.xml": b"<x>" + b" " * (11 * 1024 * 1024) + b"</x>"})
    with pytest.raises(errors.UnsafeArchive):
        read_forms("big.xlsx", "", data, LimitSettings(zip_max_ratio=100_000))


def test_word_content_controls_and_legacy_form_fields():
    """Forms built with Word's content controls (placeholder text shown until filled) and FORMTEXT fields."""
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    placeholder = (
        f"<w:sdt {w}><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Click or tap here to enter "
        "text.</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    filled = (
        f"<w:sdt {w}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>Falls </w:t></w:r><w:ins><w:r><w:t>clinic</w:t></w:r></w:ins>"
        "<w:del><w:r><w:delText>service</w:delText></w:r></w:del></w:p></w:sdtContent></w:sdt>"
    )
    field = (
        f'<w:p {w}><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> FORMTEXT </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>Leeds</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    document = docx.Document()
    table = document.add_table(rows=3, cols=2)
    for row, (label, xml) in enumerate(
        (("Practice example / improvement / learning", filled), ("Location", field), ("Key theme", placeholder))
    ):
        table.cell(row, 0).text = label
        cell = table.cell(row, 1)._tc
        cell.remove(cell.p_lst[0])
        cell.append(parse_xml(xml))
        if not cell.p_lst:
            cell.append(parse_xml(f"<w:p {w}/>"))
    out = io.BytesIO()
    document.save(out)
    (form,) = read_forms("controls.docx", "", out.getvalue(), LIMITS)
    assert (form.get("title"), form.get("locality"), form.get("theme")) == ("Falls clinic", "Leeds", "")
