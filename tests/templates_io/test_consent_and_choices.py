"""Consent and choices read as the member meant them: one row per way of answering, and what it must read as.

Share externally is three-state: yes, no, or not answered. Only a clear yes lets a plan
(and its contact details) out of the network; an answer that is neither a clear yes nor a
clear no is "unclear": kept inside, and quoted back to the member.
"""

from __future__ import annotations

import datetime as dt

import pytest
from templates_io.small_form import small_form

from pipeline.config import NetworkSettings
from pipeline.templates_io.consent import read_consent
from pipeline.templates_io.status import read_status
from pipeline.templates_io.validate import validate_form

NETWORK = NetworkSettings()
TODAY = dt.date(2026, 11, 24)
YES, NO, BLANK, UNCLEAR = "yes", "no", "blank", "unclear"

SHARE = [
    # left as printed, or nothing chosen
    ("", BLANK),
    ("Yes / No", BLANK),
    ("Yes/No", BLANK),
    ("YES / NO (delete as appropriate)", BLANK),
    ("Y/N", BLANK),
    ("Yes or No", BLANK),
    ("Yes  No", BLANK),
    ("\u2610 Yes \u2610 No", BLANK),
    ("[ ] Yes [ ] No", BLANK),
    ("N/A", BLANK),
    ("Choose an item.", BLANK),
    ("Please select", BLANK),
    ("TBC", BLANK),
    ("\u2610", BLANK),
    # tick boxes: the glyph sets of Word, Outlook, typed brackets and ballot marks
    ("\u2610 Yes \u2612 No", NO),
    ("\u2612 Yes \u2610 No", YES),
    ("Yes \u2610 No \u2611", NO),
    ("Yes \u2611 No \u2610", YES),
    ("[x] No", NO),
    ("[X] Yes [ ] No", YES),
    ("Yes [ ] No [x]", NO),
    ("( ) Yes (x) No", NO),
    ("(*) Yes ( ) No", YES),
    ("\u25a0 Yes \u25a1 No", YES),
    ("\u25cb Yes \u25cf No", NO),
    ("\u2610Yes\u2612No", NO),
    ("\u2612 Yes\n\u2610 No", YES),
    ("Yes \u2713 No \u2717", YES),
    ("Yes \u2717 No \u2713", NO),
    ("Yes \u2714", YES),
    ("\u221a Yes", YES),
    ("\u2705 Yes", YES),
    ("\u2612 Yes \u2612 No", UNCLEAR),
    ("Yes \u2713 No", UNCLEAR),
    ("Yes \u2713      No", YES),
    ("Yes      \u2713 No", NO),
    ("\u2610 Yes \u2717 No", NO),
    ("Yes \u2717", UNCLEAR),
    ("X Yes   No", YES),
    ("Yes X No", UNCLEAR),
    ("X", UNCLEAR),
    ("\u2713", YES),
    ("\u2612", YES),
    ("\u2610 Yes  \u2610 No  \u2612 Not sure", UNCLEAR),
    # words
    ("Yes", YES),
    ("YES!", YES),
    ("y", YES),
    ("Yes please", YES),
    ("Happy to share", YES),
    ("Yes, happy to share", YES),
    ("yes - including contact details", YES),
    ("Agreed", YES),
    ("I agree", YES),
    ("Consent given", YES),
    ("OK", YES),
    ("True", YES),
    ("Yes, no problem", YES),
    ("No objection", YES),
    ("Yes (delete as appropriate)", YES),
    ("Yes / Ydw", YES),
    ("Yes, internally and externally", YES),
    ("Ydw", YES),
    ("Ie", YES),
    ("Cewch", YES),
    ("No", NO),
    ("n", NO),
    ("No - internal only", NO),
    ("Internal only", NO),
    ("No thanks", NO),
    ("Not at this stage", NO),
    ("Not yet", NO),
    ("Please do not share", NO),
    ("Don't share", NO),
    ("Not happy to share", NO),
    ("False", NO),
    ("Na", NO),
    ("Nac ydw", NO),
    ("Na / No", NO),
    ("Prefer not", NO),
    ("Confidential", NO),
    ("Yes but not my contact details", UNCLEAR),
    ("Yes, without my email", UNCLEAR),
    ("Yes once approved by the board", UNCLEAR),
    ("Yes - pending sign off", UNCLEAR),
    ("yes in principle", UNCLEAR),
    ("Yes, but only the summary", UNCLEAR),
    ("Happy to share internally only", UNCLEAR),
    ("Yes - to be confirmed", UNCLEAR),
    ("Maybe", UNCLEAR),
    ("Ask me first", UNCLEAR),
    ("Share?", UNCLEAR),
    ("No, yes", UNCLEAR),
    ("Unsure", UNCLEAR),
    ("Don't know", UNCLEAR),
    ("Yes (tbc)", UNCLEAR),
]


def _as_answer(text: str) -> str:
    reading = read_consent(text)
    if reading.chosen:
        return YES if reading.value is True else NO
    return reading.state


@pytest.mark.parametrize(("written", "meant"), SHARE, ids=[repr(row[0]) for row in SHARE])
def test_share_externally_is_read_as_the_member_meant(written, meant):
    assert _as_answer(written) == meant


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("Yes", True),
        ("\u2612 Yes \u2610 No", True),
        ("No", False),
        ("\u2610 Yes \u2612 No", False),
        ("Yes / No", None),
        ("", None),
        ("Yes but not my email", None),
        ("X", None),
    ],
)
def test_only_a_clear_yes_is_stored_as_true_and_no_answer_is_a_reason_to_send_the_form_back(written, stored):
    checked = validate_form(small_form(share_externally=written), NETWORK, TODAY)
    assert checked.values["share_externally"] is stored
    assert checked.ok, checked.problems


STATUS = [
    ("Planned", "Planned"),
    ("Being implemented", "Being implemented"),
    ("Implemented", "Implemented"),
    ("Not yet implemented", "Planned"),
    ("Not implemented yet", "Planned"),
    ("Not started yet", "Planned"),
    ("Not started", "Planned"),
    ("Yet to start", "Planned"),
    ("Due to start in April", "Planned"),
    ("Proposed", "Planned"),
    ("To commence Oct 06", "Planned"),
    ("Awaiting funding", "Planned"),
    ("Scoping", "Planned"),
    ("Partially implemented", "Being implemented"),
    ("Partly implemented", "Being implemented"),
    ("Being piloted", "Being implemented"),
    ("Piloting in two wards", "Being implemented"),
    ("In progress", "Being implemented"),
    ("Ongoing", "Being implemented"),
    ("up and running", "Being implemented"),
    ("Not fully implemented", "Being implemented"),
    ("Not yet complete", "Being implemented"),
    ("Nearly complete", "Being implemented"),
    ("Phase 1 complete", "Being implemented"),
    ("PDSA cycle 2 done", "Being implemented"),
    ("Pilot completed, now rolling out", "Being implemented"),
    ("Partially in place", "Being implemented"),
    ("Live", "Being implemented"),
    ("Implemented (partially)", "Being implemented"),
    ("Almost done", "Being implemented"),
    ("Completed", "Implemented"),
    ("Fully implemented and evaluated", "Implemented"),
    ("In place", "Implemented"),
    ("Implemented - evaluation planned", "Implemented"),
    ("Embedded as business as usual", "Implemented"),
    ("Wedi'i gwblhau", "Implemented"),
    ("Ar waith", "Being implemented"),
    ("[ ] Planned [x] Being implemented [ ] Implemented", "Being implemented"),
    ("\u2610 Planned \u2612 Implemented", "Implemented"),
    ("Planned \u2610 Being implemented \u2612 Implemented \u2610", "Being implemented"),
    ("( ) Planned (*) Being implemented ( ) Implemented", "Being implemented"),
    ("Planned \u2713", "Planned"),
]
STATUS_TO_ASK = [
    "maybe",
    "On hold",
    "Abandoned",
    "Not completed",
    "Implemented in phase 1, phase 2 planned",
    "\u2612 Planned \u2612 Implemented",
    "Yes",
    "\u2612",
]


@pytest.mark.parametrize(("written", "status"), STATUS, ids=[row[0] for row in STATUS])
def test_status_words_with_negations_and_qualifiers(written, status):
    reading = read_status(written)
    assert (reading.state, reading.value) == ("chosen", status)
    assert validate_form(small_form(status=written), NETWORK, TODAY).values["status"] == status


@pytest.mark.parametrize("written", STATUS_TO_ASK)
def test_a_status_that_is_not_clear_is_quoted_back_not_guessed(written):
    checked = validate_form(small_form(status=written), NETWORK, TODAY)
    assert checked.values["status"] == ""
    (problem,) = [p for p in checked.problems if p.startswith("Status")]
    assert f"'{written}'" in problem


def test_status_left_as_printed_is_missing():
    checked = validate_form(small_form(status="Planned / Being implemented / Implemented"), NETWORK, TODAY)
    assert checked.values["status"] == ""
    assert any(p.startswith("Status is missing") for p in checked.problems)


def test_two_statuses_are_named_in_the_question():
    checked = validate_form(small_form(status="Implemented in phase 1, phase 2 planned"), NETWORK, TODAY)
    assert "could mean Planned or Implemented" in " ".join(checked.problems)
