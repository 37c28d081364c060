"""Only the member's words, partial consent, and date boxes that name a span (#19 leftovers).

A lone first name or initials under the last answer is a sign-off, not part of the answer; a mail
client's line, a mobile signature and a Welsh and English disclaimer are not the member's words;
a banner above the form is not the first answer. "Yes, but not my email address" is not a yes.
"Spring 2025", "2025/26", "March-April 2025" are read with what was written kept beside them;
"TBC", "ongoing", "N/A" are no date yet; none of them sends the form back.
"""

from __future__ import annotations

import datetime as dt

import pytest
from templates_io.small_form import small_form

from pipeline.config import NetworkSettings
from pipeline.templates_io import read_text_forms
from pipeline.templates_io.consent import read_consent
from pipeline.templates_io.dates import DateProblem, parse_date, parse_date_pair
from pipeline.templates_io.member_text import member_words
from pipeline.templates_io.validate import validate_form

NETWORK = NetworkSettings()
TODAY = dt.date(2026, 11, 24)
ANSWER = "Weekly memory clinics in four surgeries."
WELSH_DISCLAIMER = (
    "Rydym yn croesawu gohebiaeth yn Gymraeg. Byddwn yn ateb gohebiaeth Gymraeg yn Gymraeg.\n"
    "We welcome correspondence in Welsh. Correspondence received in Welsh will be answered in Welsh.\n\n"
    "Mae'r neges e-bost hon ac unrhyw atodiadau yn gyfrinachol ac wedi'u bwriadu ar gyfer y derbynnydd yn unig.\n"
    "This email and any attachments are confidential and intended solely for the addressee."
)


@pytest.mark.parametrize(
    "tail",
    [
        "\nHelen",
        "\n\nHelen",
        "\n\nThanks\nHelen",
        "\nBest,\nHelen",
        "\n\nHJ",
        "\n\nH.",
        "\n\nJo x",
        "\n\nSent from my iPhone",
        "\n\nGet Outlook for iOS",
        "\n\nSam\n07700 900456\nSent from my Samsung Galaxy smartphone.",
        "\n\nPriya Natarajan | Ward Manager\nM: 07700 900 321",
        "\n\n" + WELSH_DISCLAIMER,
    ],
    ids=[
        "name",
        "name-after-blank",
        "thanks-name",
        "best-name",
        "initials",
        "initial-dot",
        "kiss",
        "iphone",
        "outlook-ios",
        "mobile-signature",
        "pipe-signature",
        "welsh-disclaimer",
    ],
)
def test_what_follows_the_last_answer_is_not_the_members_words(tail):
    assert member_words(ANSWER + tail) == ANSWER


@pytest.mark.parametrize(
    "text",
    [
        "Nurses in GP surgeries\nDoncaster",  # a place on its own line, not a sign-off
        "Trained two nurses.\nSent letters to patients.",
        "Weekly clinics\nfor carers",
    ],
)
def test_an_answer_on_several_lines_is_kept_whole(text):
    assert member_words(text) == text


def test_a_caution_banner_above_the_form_is_not_the_first_answer():
    text = (
        "CAUTION: This email originated from outside of the organisation. Do not click links or open "
        "attachments unless you recognise the sender and know the content is safe.\n\n"
        "Hi,\n\nPractice example / improvement / learning: Hearing checks in memory clinics\n"
        "Key theme: Primary Care\nLocation: Selby\nLead contact name: Tom Ash\n"
        "Lead contact email: tom.ash@example.org\nStatus: Implemented\n"
        "Summary / aim: Check hearing before memory tests.\n\nThanks\nTom\n"
    )
    (form,) = read_text_forms(text)
    values = form.fields
    assert values["title"] == "Hearing checks in memory clinics"
    assert values["summary"] == "Check hearing before memory tests."
    assert not [key for key, value in values.items() if "originated" in value or "CAUTION" in value]


@pytest.mark.parametrize(
    "written",
    [
        "Yes, but not my email address",
        "Yes - internal only",
        "Yes (internal only)",
        "Yes - within the network",
        "Yes, staff only",
        "Yes, without contact details",
        "Yes but anonymised",
        "Yes, NHS only",
    ],
)
def test_a_partial_yes_is_not_a_yes(written):
    reading = read_consent(written)
    assert reading.value is not True
    assert reading.written == written
    form = validate_form(small_form(share_externally=written), NETWORK, TODAY)
    assert form.share.value is not True
    assert form.ok, form.problems


SPANS = [
    ("Spring 2025", dt.date(2025, 3, 1), "quarter", "March\u2013May 2025"),
    ("Autumn 2024", dt.date(2024, 9, 1), "quarter", "September\u2013November 2024"),
    ("Winter 2024/25", dt.date(2024, 12, 1), "quarter", "December 2024\u2013February 2025"),
    ("end of March 2025", dt.date(2025, 3, 1), "month", "March 2025"),
    ("March-April 2025", dt.date(2025, 3, 1), "month", "March 2025"),
    ("Nov/Dec 25", dt.date(2025, 11, 1), "month", "November 2025"),
    ("2025/26", dt.date(2025, 4, 1), "year", "April 2025\u2013March 2026"),
    ("FY 2025-26", dt.date(2025, 4, 1), "year", "April 2025\u2013March 2026"),
    ("mid-2025", dt.date(2025, 1, 1), "year", "2025"),
    ("Sept 25", dt.date(2025, 9, 1), "month", "September 2025"),
]


@pytest.mark.parametrize(("written", "date", "precision", "shown"), SPANS, ids=[row[0] for row in SPANS])
def test_a_date_box_naming_a_span_is_read_and_what_was_written_kept(written, date, precision, shown):
    found = parse_date(written, TODAY)
    assert (found.date, found.precision, str(found), found.written) == (date, precision, shown, written)
    assert parse_date_pair(written, TODAY) == (found, None)


def test_a_span_given_as_a_completion_date_is_its_end():
    assert parse_date("March-April 2025", TODAY, end=True).date == dt.date(2025, 4, 1)


@pytest.mark.parametrize("written", ["TBC", "ongoing", "N/A", "Ongoing", "n/a"])
def test_no_date_yet_is_not_a_date_and_not_a_mistake(written):
    assert parse_date(written, TODAY) is None


@pytest.mark.parametrize(
    "written",
    [*(row[0] for row in SPANS), "TBC", "ongoing", "N/A", "Winter 2025", "2025/27", "after the summer", "2025"],
)
@pytest.mark.parametrize("box", ["date_commenced", "completion_date"])
def test_no_date_box_sends_the_form_back(written, box):
    form = validate_form(small_form(**{box: written}), NETWORK, TODAY)
    assert form.ok, form.problems
    assert form.raw.get(box) == written  # what the member wrote is kept


def test_words_that_name_no_span_are_kept_with_a_note():
    with pytest.raises(DateProblem) as caught:
        parse_date("Winter 2025", TODAY)
    assert not caught.value.slip
    form = validate_form(small_form(date_commenced="Winter 2025"), NETWORK, TODAY)
    assert any("Winter 2025" in note and "kept it as you wrote it" in note for note in form.notes)
