"""parse_mail on the real-world sample corpus: one row per file in tests/messages/manifest.toml."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

from pipeline.mail import parse_mail

MESSAGES = Path(__file__).resolve().parents[1] / "messages"
ROWS = tomllib.loads((MESSAGES / "manifest.toml").read_text(encoding="utf-8"))["message"]
BY_FILE = {row["file"]: row for row in ROWS}

# Known gaps in pipeline/mail.py, reported to its owner. Not strict: once fixed they show
# as XPASS in the summary, and the entry here should then be deleted.
KNOWN_GAPS: dict[tuple[str, str], str] = {}


def _params(fact: str) -> list:
    params = []
    for row in ROWS:
        if fact not in row:
            continue
        marks = []
        gap = KNOWN_GAPS.get((row["file"], fact))
        if gap:
            marks.append(pytest.mark.xfail(reason=gap, strict=False))
        params.append(pytest.param(row["file"], id=row["file"], marks=marks))
    return params


@pytest.fixture(scope="module")
def parsed() -> dict:
    return {name: parse_mail((MESSAGES / name).read_bytes()) for name in BY_FILE}


def test_manifest_lists_every_sample_file():
    on_disk = {path.name for path in MESSAGES.glob("*.eml")}
    assert on_disk == set(BY_FILE)


def test_samples_are_stored_with_crlf_line_endings():
    for name in BY_FILE:
        raw = (MESSAGES / name).read_bytes()
        assert raw.count(b"\n") == raw.count(b"\r\n"), name


@pytest.mark.parametrize("name", _params("from"))
def test_from_address(parsed, name):
    assert parsed[name].from_addr == BY_FILE[name]["from"]


@pytest.mark.parametrize("name", _params("from_name"))
def test_from_display_name(parsed, name):
    assert parsed[name].from_name == BY_FILE[name]["from_name"]


@pytest.mark.parametrize("name", _params("subject"))
def test_decoded_subject(parsed, name):
    assert parsed[name].subject == BY_FILE[name]["subject"]


@pytest.mark.parametrize("name", _params("attachments"))
def test_attachment_filenames(parsed, name):
    assert [a.filename for a in parsed[name].attachments] == BY_FILE[name]["attachments"]


@pytest.mark.parametrize("name", _params("attachments"))
def test_attachments_carry_their_bytes(parsed, name):
    for attachment in parsed[name].attachments:
        assert attachment.data, attachment.filename
        if attachment.extension in {"docx", "xlsx"}:
            assert attachment.data.startswith(b"PK\x03\x04"), attachment.filename


@pytest.mark.parametrize("name", _params("is_auto_submitted"))
def test_is_auto_submitted(parsed, name):
    assert parsed[name].is_auto_submitted is BY_FILE[name]["is_auto_submitted"]


@pytest.mark.parametrize("name", _params("looks_like_bounce"))
def test_looks_like_bounce(parsed, name):
    assert parsed[name].looks_like_bounce is BY_FILE[name]["looks_like_bounce"]


@pytest.mark.parametrize("name", _params("message_id"))
def test_message_id(parsed, name):
    assert parsed[name].message_id == BY_FILE[name]["message_id"]


@pytest.mark.parametrize("name", _params("body_contains"))
def test_decoded_body(parsed, name):
    assert BY_FILE[name]["body_contains"] in parsed[name].text


@pytest.mark.parametrize("name", _params("to"))
def test_to_keeps_token_case(parsed, name):
    assert list(parsed[name].to) == BY_FILE[name]["to"]


def test_docx_attachment_is_the_real_template(parsed):
    import io

    import docx

    attachment = parsed["outlook-submission-docx.eml"].attachments[0]
    table = docx.Document(io.BytesIO(attachment.data)).tables[0]
    rows = {row.cells[0].text: row.cells[1].text for row in table.rows}
    assert rows["Key theme"] == "Care Homes / Housing / Home Care / Day Services"
    assert rows["Location"] == "Barnsley"


def test_xlsx_attachment_has_labels_in_a_and_values_in_b(parsed):
    import io

    import openpyxl

    attachment = parsed["gmail-submission-xlsx.eml"].attachments[0]
    sheet = openpyxl.load_workbook(io.BytesIO(attachment.data), read_only=True).active
    rows = {a: b for a, b in sheet.iter_rows(values_only=True)}
    assert rows["Key theme"] == "Liaison / General Hospital"


def test_missing_headers_parse_to_empty_values(parsed):
    mail = parsed["missing-headers.eml"]
    assert (mail.from_addr, mail.message_id, mail.date) == ("", "", None)


def test_malformed_boundary_is_reported_as_a_defect(parsed):
    assert "CloseBoundaryNotFoundDefect" in parsed["malformed-boundary.eml"].defects


def _without_base64(raw: bytes) -> bytes:
    # Office files embed library-version details; compare everything around them.
    raw = re.sub(rb"(?:[A-Za-z0-9+/=]{40,76}\r\n)+", b"<base64>\r\n", raw)
    return re.sub(rb"size=\d+", b"size=N", raw)


def test_regenerating_the_samples_gives_the_committed_files():
    # The generator is the source of truth for the corpus; a hand edit of an .eml would drift.
    spec = importlib.util.spec_from_file_location("make_samples", MESSAGES / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = [(MESSAGES / name, build) for name, build in module.SAMPLES.items()]
    written += [(MESSAGES / "bounces" / name, build) for name, build in module.OWN_BOUNCES.items()]
    for path, build in written:
        assert _without_base64(build()) == _without_base64(path.read_bytes()), path.name
