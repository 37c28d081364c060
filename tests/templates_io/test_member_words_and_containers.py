"""Only the member's words, and forms inside containers (winmail.dat, zip, PDF forms), read as the member meant."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

from pipeline import errors
from pipeline.config import LimitSettings
from pipeline.templates_io import read_body_forms, read_forms, read_text_forms
from pipeline.templates_io.member_text import NHSMAIL_DISCLAIMER, is_sign_off, member_words

sys.path.insert(0, str(Path(__file__).parents[1] / "messages"))
from make_corpus import _docx_bytes, _plan, pdf_bytes, tnef_bytes, zip_bytes  # noqa: E402

LIMITS = LimitSettings()
FORM = _docx_bytes(_plan("Night sitters", "Workforce", "Goole", "Ann Lee", "ann.lee@example.org", "Cover at night."))


@pytest.mark.parametrize(
    ("line", "ends"),
    [
        ("Kind regards", True),
        ("Many thanks, Priya", True),
        ("Best wishes", True),
        ("Sent from my iPhone", True),
        ("Get Outlook for iOS", True),
        ("Thanks to the volunteers we opened twice a week", False),
        ("Best practice was shared across the homes", False),
        ("Take care of residents at night", False),
    ],
)
def test_sign_offs_are_whole_lines_not_sentences_that_start_alike(line, ends):
    assert is_sign_off(line) is ends


@pytest.mark.parametrize(
    "tail",
    [
        "\n\nKind regards\nPriya",
        "\n\nPriya Natarajan\nTeam Leader\nSouth Riding Partnership NHS Trust\nTel: 01234 567890",
        "\n\n" + NHSMAIL_DISCLAIMER,
        "\nOn Mon, 14 Sep 2026 at 09:12, Jo Bloggs <jo@example.org> wrote:\n> earlier text",
        "\n\nFrom: Jo Bloggs <jo@example.org>\nSent: 12 March 2026 10:00\nTo: MLN\nSubject: RE: plan\n\nearlier",
    ],
    ids=["sign-off", "signature block", "nhsmail disclaimer", "on-wrote", "outlook header block"],
)
def test_an_answer_stops_where_the_member_stopped(tail):
    assert member_words("Night staff need their own sessions.\nManagers must release staff." + tail) == (
        "Night staff need their own sessions.\nManagers must release staff."
    )


def test_last_box_of_a_body_form_keeps_no_signature_or_disclaimer():
    body = (
        "Title: Night sitters\nTheme: Workforce\nLocation: Goole\nLead: Ann Lee\n"
        "Learning: Rotas must be agreed a month ahead.\n\nAnn Lee\nWard Manager\nMob: 07700 900456\n\n"
        + NHSMAIL_DISCLAIMER
    )
    (form,) = read_text_forms(body)
    assert form.fields["learning"] == "Rotas must be agreed a month ahead."


def test_html_table_without_colons_is_a_body_form():
    html = "<table><tr><td>Title</td><td>Night sitters</td></tr><tr><td>Theme</td><td>Workforce</td></tr>"
    html += "<tr><td>Location</td><td>Goole</td></tr></table><p>Kind regards</p>"
    (form,) = read_body_forms("", html)
    assert (form.fields["title"], form.fields["theme"], form.fields["locality"]) == (
        "Night sitters",
        "Workforce",
        "Goole",
    )


def test_unknown_lines_of_extra_vocabulary_are_kept_as_further_information():
    (form,) = read_text_forms("Title: Night sitters\nTheme: Workforce\nPartners: Age UK Goole\nFunding: ICB grant")
    assert form.fields["further_information"] == "Partners: Age UK Goole\nFunding: ICB grant"


def test_winmail_dat_and_zip_are_opened_and_their_forms_named_by_where_they_were():
    (from_tnef,) = read_forms("winmail.dat", "application/ms-tnef", tnef_bytes([("plan.docx", FORM)]), LIMITS)
    (from_zip,) = read_forms("forms.zip", "application/zip", zip_bytes([("a/plan.docx", FORM)]), LIMITS)
    assert from_tnef.source == "plan.docx (in winmail.dat)" and from_zip.source == "plan.docx (in forms.zip)"
    assert from_tnef.fields["title"] == from_zip.fields["title"] == "Night sitters"


def test_a_zip_bomb_a_zip_in_a_zip_and_a_password_are_refused_with_a_reason():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.txt", b"0" * 5_000_000)
    with pytest.raises(errors.UnsafeArchive, match="far more data"):
        read_forms("bomb.zip", "application/zip", bomb.getvalue(), LIMITS)
    with pytest.raises(errors.Unsupported, match="itself an archive"):
        read_forms("outer.zip", "", zip_bytes([("inner.zip", zip_bytes([("plan.docx", FORM)]))]), LIMITS)
    locked = bytearray(zip_bytes([("plan.docx", FORM)]))
    locked[6] |= 1  # the local header's encryption flag
    central = locked.rfind(b"PK\x01\x02")
    locked[central + 8] |= 1
    with pytest.raises(errors.Encrypted):
        read_forms("locked.zip", "", bytes(locked), LIMITS)


def test_a_damaged_winmail_dat_is_reported_as_damaged():
    with pytest.raises(errors.Damaged, match="winmail.dat"):
        # An attachment-data attribute that claims 2 GB in a 40-byte file.
        cut_short = b"\x78\x9f\x3e\x22\x01\x00" + b"\x02\x0f\x80\x06\x00" + b"\xff\xff\xff\x7f" + b"abc" * 10
        read_forms("winmail.dat", "application/ms-tnef", cut_short, LIMITS)


def test_pdf_form_fields_are_read_and_a_plain_pdf_is_named_as_unreadable():
    (form,) = read_forms(
        "plan.pdf", "", pdf_bytes({"Title": "Night sitters", "Key theme": "3", "Location": "Goole"}), LIMITS
    )
    assert form.fields["title"] == "Night sitters" and form.fields["theme"] == "3"
    with pytest.raises(errors.Unsupported, match="not a fillable form"):
        read_forms("scan.pdf", "", pdf_bytes(), LIMITS)


def test_unknown_rows_are_kept_only_in_a_table_that_is_the_form():
    from pipeline.templates_io.extract import FormCollector, feed_table

    form = FormCollector("t")
    feed_table(form, [["Field", "Value"], ["Title", "Night sitters"], ["Key theme", "3"], ["Location", "Goole"],
                      ["Partners", "Age UK"], ["Funding", "ICB grant"]])  # fmt: skip
    other = FormCollector("t")
    feed_table(other, [["Title", "Night sitters"], ["Room", "B12"], ["Time", "10:00"]])
    (read,) = form.results(min_filled=0)
    assert read.fields["further_information"] == "Partners: Age UK\nFunding: ICB grant"
    assert not any("further_information" in found for found in other.forms)


def test_guidance_inside_the_answer_cell_is_not_the_answer():
    from pipeline.templates_io.extract import FormCollector, feed_table

    form = FormCollector("t")
    feed_table(form, [["Title", "A short title for the improvement.\nNight sitters"], ["Organisation",
                      "The lead organisation. X Trust"], ["Location", "Goole"]])  # fmt: skip
    (read,) = form.results(min_filled=0)
    assert (read.fields["title"], read.fields["organisation"]) == ("Night sitters", "X Trust")


def test_short_labels_and_dashes_in_a_body_form():
    (form,) = read_text_forms(
        "Title - Singing for the brain\nTheme – Health Promotion\nLead: Jo Marsh\nContact: jo@x.org"
    )
    assert (form.fields["title"], form.fields["theme"]) == ("Singing for the brain", "Health Promotion")
    assert form.fields["lead_name"] == "Jo Marsh"
