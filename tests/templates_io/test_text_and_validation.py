"""Forms typed into an email body, and the checks that turn a form into problems in plain words."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from defusedxml import DTDForbidden
from templates_io.small_form import small_form

from pipeline.config import NetworkSettings
from pipeline.templates_io.generate import template_text
from pipeline.templates_io.reader import read_text_forms
from pipeline.templates_io.validate import normalise_status, validate_form

SAMPLES = Path(__file__).resolve().parents[1] / "templates"
NETWORK = NetworkSettings()
TODAY = dt.date(2026, 11, 24)


def test_body_with_greeting_multiline_summary_and_sign_off():
    body = (
        "Hello,\n\nHere is our plan.\n\nTitle: Memory cafe\nKey theme: 9\nLocation: Selby & York\n"
        "Lead contact: Jo Example <jo@example.nhs.test>\nStatus: up and running\n"
        "Summary / aim: A monthly cafe.\nFor people with dementia and carers.\n\nRun by volunteers.\n\nKind regards\nJo\n"
    )
    (form,) = read_text_forms(body)
    assert form.get("summary") == "A monthly cafe.\nFor people with dementia and carers.\n\nRun by volunteers."
    assert form.get("locality") == "Selby & York"
    checked = validate_form(form, NETWORK, TODAY)
    assert checked.ok, checked.problems
    assert checked.values["lead_name"] == "Jo Example"
    assert checked.values["lead_email"] == "jo@example.nhs.test"
    assert checked.values["status"] == "Being implemented"
    assert checked.values["theme"] == "Health Promotion"


def test_reply_that_quotes_the_blank_form_inline():
    quoted = "\n".join("> " + line for line in template_text(NETWORK).splitlines())
    quoted = quoted.replace("> Key theme: ", "> Key theme:\nCare homes")
    quoted = quoted.replace(
        "> Practice example / improvement / learning: ", "> Practice example / improvement / learning: Falls clinic"
    )
    body = "Filled in below.\n\nLocation: Leeds\n\nOn Tue, MLN wrote:\n" + quoted
    (form,) = read_text_forms(body)
    assert form.get("title") == "Falls clinic"
    assert form.get("theme") == "Care homes"
    assert form.get("locality") == "Leeds"


def test_own_answer_beats_the_quoted_one():
    body = "Title: New title\nLocation: Hull\n\n> Title: Old title\n> Location: Leeds\n"
    (form,) = read_text_forms(body)
    assert (form.get("title"), form.get("locality")) == ("New title", "Hull")


def test_a_body_that_only_quotes_the_blank_form_is_no_form():
    quoted = "\n".join("> " + line for line in template_text(NETWORK).splitlines())
    assert read_text_forms("Thanks, I will send it next week.\n\n" + quoted) == []
    assert read_text_forms("Subject: hello\nDate: Tue 5 Sep 2006\nSee you at the meeting.") == []


def test_two_forms_in_one_body():
    body = "Title: One\nLocation: Hull\nKey theme: 2\n\nTitle: Two\nLocation: Leeds\nKey theme: 3\n"
    forms = read_text_forms(body)
    assert [f.get("title") for f in forms] == ["One", "Two"]


def test_html_table_body_as_text_with_tabs():
    from pipeline.mail import html_to_text

    html = (
        "<table><tr><td>Practice example / improvement / learning</td><td>Falls clinic</td></tr>"
        "<tr><td>Location</td><td>Leeds</td></tr><tr><td>Key theme</td><td>1</td></tr></table>"
    )
    (form,) = read_text_forms(html_to_text(html))
    assert form.get("title") == "Falls clinic" and form.get("theme") == "1"


def test_problems_are_plain_sentences():
    checked = validate_form(
        small_form(
            theme="Carehomes",
            lead_email="jo at example",
            status="maybe",
            date_commenced="soonish",
            link="javascript:alert(1)",
            region="Narnia",
            locality="",
        ),
        NETWORK,
        TODAY,
    )
    text = "\n".join(checked.problems)
    assert (
        "Key theme 'Carehomes' is not one of the ten key themes; did you mean "
        "'Care Homes / Housing / Home Care / Day Services'?"
    ) in checked.problems
    assert "Lead contact email 'jo at example' is not a valid email address" in text
    assert "Status 'maybe' is not one we know" in text
    assert "Link 'javascript:alert(1)' is not a web address" in text
    assert "Location is missing" in text
    # Optional boxes are never a reason to send the form back: kept as written, and said so.
    notes = "\n".join(checked.notes)
    assert "Date commenced 'soonish' is not a date we can read" in notes
    assert "Region 'Narnia' is not one of the network's regions" in notes and "kept it as you wrote it" in notes


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("being implemented", "Being implemented"),
        ("In progress", "Being implemented"),
        ("completed", "Implemented"),
        ("Complete", "Implemented"),
        ("to commence", "Planned"),
        ("PLANNED", "Planned"),
        ("Implemented", "Implemented"),
        ("[ ] Planned [x] Being implemented [ ] Implemented", "Being implemented"),
        ("\u2610 Planned \u2612 Implemented", "Implemented"),
    ],
)
def test_status_synonyms(text, status):
    assert normalise_status(text) == status


def test_planned_start_implies_status_and_dates_are_split():
    checked = validate_form(small_form(status="", date_commenced="To commence Oct 06"), NETWORK, TODAY)
    assert checked.ok and checked.values["status"] == "Planned"
    assert checked.values["date_commenced"].planned
    pair = validate_form(small_form(date_commenced="June 2004/August 2006"), NETWORK, TODAY)
    assert str(pair.values["date_commenced"]) == "June 2004" and str(pair.values["date_updated"]) == "August 2006"


def test_values_keep_text_as_text():
    checked = validate_form(
        small_form(title="<b>Falls</b> & <script>x</script>", summary="a\x00b\r\nc"), NETWORK, TODAY
    )
    assert checked.values["title"] == "<b>Falls</b> & <script>x</script>"


def test_control_characters_are_removed_at_reading():
    (form,) = read_text_forms("Title: a\x00b\nLocation: Leeds\r\n")
    assert form.get("title") == "ab"


def test_our_docx_parser_refuses_dtds_even_without_the_prolog_check():
    from pipeline.templates_io import read_docx

    archive = zipfile.ZipFile(io.BytesIO((SAMPLES / "hostile_billion_laughs.docx").read_bytes()))
    with pytest.raises(DTDForbidden):
        read_docx.read_blocks(archive, "x.docx")


def test_openpyxl_and_python_docx_do_not_expand_entities():
    import docx.oxml.parser
    import openpyxl.xml.functions as xf
    from defusedxml import EntitiesForbidden
    from lxml import etree

    doc = b'<!DOCTYPE a [<!ENTITY e "EXPANDED">]><a>&e;</a>'
    assert "EXPANDED" not in "".join(etree.fromstring(doc, docx.oxml.parser.oxml_parser).itertext())
    assert "EXPANDED" not in "".join(xf.fromstring(doc).itertext())
    with pytest.raises(EntitiesForbidden):
        list(xf.iterparse(io.BytesIO(doc)))  # what openpyxl reads worksheets and shared strings with


def test_a_sentence_in_the_completion_date_box_is_kept_as_a_note():
    checked = validate_form(small_form(completion_date="Updated September to include learning events"), NETWORK, TODAY)
    assert checked.ok and checked.values["completion_date"] is None
    assert checked.values["completion_note"] == "Updated September to include learning events"
    # A word or two that is no date is kept as written too, and quoted back: the box is optional.
    soonish = validate_form(small_form(completion_date="soonish"), NETWORK, TODAY)
    assert soonish.ok and soonish.values["completion_note"] == "soonish"
    assert any("'soonish' is not a date we can read" in note for note in soonish.notes)


def test_csv_with_stray_binary_after_the_form_still_reads():
    from pipeline.config import LimitSettings
    from pipeline.templates_io.reader import read_forms

    data = b"field,value\r\ntitle,Falls clinic\r\nlocation,Leeds\r\n\x04\xe5\r\x0c\x04X\xef"
    (form,) = read_forms("f.csv", "text/csv", data, LimitSettings())
    assert (form.get("title"), form.get("locality")) == ("Falls clinic", "Leeds")


def test_contact_lines_in_a_letter_are_not_a_form():
    assert read_text_forms("Name: Jo Example\nEmail: jo@example.org\nTel: 01234 567890\n") == []


def test_reading_stops_at_the_line_and_row_caps():
    from pipeline.templates_io.extract import MAX_LINES, MAX_ROWS, FormCollector, feed_table

    form = "Title: Falls clinic\nLocation: Leeds\n"
    assert len(read_text_forms(form + "filler\n" * (MAX_LINES * 3))) == 1
    assert read_text_forms("filler\n" * MAX_LINES + form) == []
    collector = FormCollector("big.csv")
    feed_table(collector, [["x", "y"]] * MAX_ROWS + [["Title", "Falls clinic"], ["Location", "Leeds"]])
    assert collector.results(min_filled=1) == []


def test_outlook_reply_with_the_earlier_form_below_unquoted():
    body = (
        "Corrected version below.\n\nTitle: Falls clinic (revised)\nKey theme: 1\nLocation: Hull\n\n"
        "-----Original Message-----\nFrom: Jo Example\nSent: 24 November 2026 10:00\nSubject: My plan\n\n"
        "Title: Falls clinic\nKey theme: Carehomes\nLocation: Hull\nSummary / aim: Fewer falls.\n"
    )
    (form,) = read_text_forms(body)
    assert (form.get("title"), form.get("theme"), form.get("summary")) == (
        "Falls clinic (revised)",
        "1",
        "Fewer falls.",
    )


def test_a_forwarded_form_is_read():
    body = (
        "Please file this for my colleague.\n\n---------- Forwarded message ---------\nFrom: A Colleague\n\n"
        "Title: Memory cafe\nKey theme: 9\nLocation: Selby\n"
    )
    (form,) = read_text_forms(body)
    assert (form.get("title"), form.get("theme")) == ("Memory cafe", "9")
