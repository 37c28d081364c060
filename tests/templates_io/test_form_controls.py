"""Choices made with form controls: what the member chose, not how the control looks.

One row per control, built by choice_forms.py the way Word, Excel and LibreOffice save it,
with the box it fills and what that box must read as once validated.
"""

from __future__ import annotations

import datetime as dt

import pytest
from templates_io.choice_forms import (
    STATUS_LIST,
    YES_NO,
    Xml,
    content_checkbox,
    content_date,
    content_dropdown,
    docx_form,
    legacy_checkbox,
    legacy_dropdown,
    odt_form,
    run,
    struck,
    wingdings,
    xlsx_form,
)

from pipeline.config import LimitSettings, NetworkSettings
from pipeline.templates_io.reader import read_forms
from pipeline.templates_io.validate import validate_form

NETWORK = NetworkSettings()
TODAY = dt.date(2026, 11, 24)
SHARE, STATUS, COMMENCED = "Share externally", "Status", "Date commenced"

WORD = [
    # Share externally: content-control tick boxes (Word 2010 and later)
    (
        "content tick boxes, No ticked",
        {SHARE: Xml(content_checkbox(False) + run(" Yes  ") + content_checkbox(True) + run(" No"))},
        "share_externally",
        False,
    ),
    (
        "content tick boxes, Yes ticked",
        {SHARE: Xml(content_checkbox(True) + run(" Yes  ") + content_checkbox(False) + run(" No"))},
        "share_externally",
        True,
    ),
    (
        "content tick boxes, none ticked",
        {SHARE: Xml(content_checkbox(False) + run(" Yes  ") + content_checkbox(False) + run(" No"))},
        "share_externally",
        None,
    ),
    (
        "content tick boxes after the options",
        {SHARE: Xml(run("Yes ") + content_checkbox(False) + run("  No ") + content_checkbox(True))},
        "share_externally",
        False,
    ),
    ("a single content tick box, ticked", {SHARE: Xml(content_checkbox(True))}, "share_externally", True),
    # legacy protected forms (FORMCHECKBOX): the checked state, else the default state
    (
        "legacy check boxes, No ticked",
        {SHARE: Xml(legacy_checkbox(False) + run(" Yes  ") + legacy_checkbox(True) + run(" No"))},
        "share_externally",
        False,
    ),
    (
        "legacy check boxes, Yes by default",
        {SHARE: Xml(legacy_checkbox(None, default=True) + run(" Yes  ") + legacy_checkbox(None) + run(" No"))},
        "share_externally",
        True,
    ),
    (
        "legacy check boxes, Yes by default then unticked",
        {SHARE: Xml(legacy_checkbox(False, default=True) + run(" Yes  ") + legacy_checkbox(None) + run(" No"))},
        "share_externally",
        None,
    ),
    # drop-downs
    ("content drop-down, No chosen", {SHARE: Xml(content_dropdown(YES_NO, "No"))}, "share_externally", False),
    ("content drop-down, nothing chosen", {SHARE: Xml(content_dropdown(YES_NO, None))}, "share_externally", None),
    ("legacy drop-down, No chosen", {SHARE: Xml(legacy_dropdown(["", "Yes", "No"], 2))}, "share_externally", False),
    (
        "legacy drop-down never changed",
        {SHARE: Xml(legacy_dropdown(["Please select", "Yes", "No"], None))},
        "share_externally",
        None,
    ),
    ("legacy drop-down, Implemented chosen", {STATUS: Xml(legacy_dropdown(STATUS_LIST, 2))}, "status", "Implemented"),
    (
        "legacy drop-down, Planned (the first entry) chosen",
        {STATUS: Xml(legacy_dropdown(STATUS_LIST, 0))},
        "status",
        "Planned",
    ),
    (
        "content drop-down, Implemented chosen",
        {STATUS: Xml(content_dropdown(STATUS_LIST, "Implemented"))},
        "status",
        "Implemented",
    ),
    # symbols and deletions
    (
        "Wingdings ticked box by Yes",
        {SHARE: Xml(wingdings("F0FE") + run(" Yes ") + wingdings("F0A8") + run(" No"))},
        "share_externally",
        True,
    ),
    (
        "Wingdings ticked box by No",
        {SHARE: Xml(wingdings("F0A8") + run(" Yes ") + wingdings("F0FE") + run(" No"))},
        "share_externally",
        False,
    ),
    (
        "Wingdings 2 tick after No",
        {SHARE: Xml(run("Yes  No ") + wingdings("F050", "Wingdings 2"))},
        "share_externally",
        False,
    ),
    ("Yes / No with No struck through", {SHARE: Xml(run("Yes / ") + struck("No"))}, "share_externally", True),
    ("Yes / No with Yes struck through", {SHARE: Xml(struck("Yes") + run(" / No"))}, "share_externally", False),
    # status tick boxes, legacy
    (
        "legacy check boxes for status",
        {
            STATUS: Xml(
                legacy_checkbox(False)
                + run(" Planned ")
                + legacy_checkbox(True)
                + run(" Being implemented ")
                + legacy_checkbox(False)
                + run(" Implemented")
            )
        },
        "status",
        "Being implemented",
    ),
    # date pickers: the stored date, whatever the display layout
    (
        "date picker shown in a US layout",
        {COMMENCED: Xml(content_date("2025-03-04T00:00:00Z", "3/4/2025", "M/d/yyyy"))},
        "date_commenced",
        (dt.date(2025, 3, 4), "day"),
    ),
    (
        "date picker showing a month",
        {COMMENCED: Xml(content_date("2025-06-01T00:00:00Z", "June 2025", "MMMM yyyy"))},
        "date_commenced",
        (dt.date(2025, 6, 1), "month"),
    ),
]


def _value(form, key):
    value = form.values[key]
    return (value.date, value.precision) if hasattr(value, "precision") else value


@pytest.mark.parametrize(("boxes", "key", "expected"), [row[1:] for row in WORD], ids=[row[0] for row in WORD])
def test_word_form_controls(boxes, key, expected):
    (raw,) = read_forms("plan.docx", "", docx_form(boxes), LimitSettings())
    checked = validate_form(raw, NETWORK, TODAY)
    assert _value(checked, key) == expected
    assert checked.ok, checked.problems


def test_tick_boxes_in_their_own_cells_after_the_label():
    import io

    import docx

    document = docx.Document()
    table = document.add_table(rows=0, cols=5)
    for label, *cells in [
        ("Practice example / improvement / learning", "Falls clinic", "", "", ""),
        ("Key theme", "1", "", "", ""),
        ("Location", "Leeds", "", "", ""),
        ("Share externally", "Yes", "\u2610", "No", "\u2612"),
    ]:
        row = table.add_row().cells
        for cell, text in zip(row, (label, *cells)):
            cell.text = text
    out = io.BytesIO()
    document.save(out)
    (raw,) = read_forms("plan.docx", "", out.getvalue(), LimitSettings())
    assert raw.get("share_externally") == "Yes \u2610 No \u2612"
    assert validate_form(raw, NETWORK, TODAY).values["share_externally"] is False


EXCEL = [
    ("validated list, No", xlsx_form({SHARE: "No"}, {SHARE: YES_NO}), "share_externally", False),
    ("validated list, Yes", xlsx_form({SHARE: "Yes"}, {SHARE: YES_NO}), "share_externally", True),
    ("validated list, left empty", xlsx_form({SHARE: None}, {SHARE: YES_NO}), "share_externally", None),
    (
        "validated list with long entries",
        xlsx_form({SHARE: "No - internal only"}, {SHARE: ["Yes - share", "No - internal only"]}),
        "share_externally",
        False,
    ),
    ("a TRUE/FALSE cell (a linked check box)", xlsx_form({SHARE: False}), "share_externally", False),
    ("validated status list", xlsx_form({STATUS: "Implemented"}, {STATUS: STATUS_LIST}), "status", "Implemented"),
    (
        "a date as an Excel serial number",
        xlsx_form({COMMENCED: 45719}, date_as_serial=COMMENCED),
        "date_commenced",
        (dt.date(2025, 3, 3), "day"),
    ),
    ("a date cell", xlsx_form({COMMENCED: dt.datetime(2025, 3, 3)}), "date_commenced", (dt.date(2025, 3, 3), "day")),
    ("a quarter typed in", xlsx_form({COMMENCED: "Q2 2025/26"}), "date_commenced", (dt.date(2025, 7, 1), "quarter")),
]


@pytest.mark.parametrize(("data", "key", "expected"), [row[1:] for row in EXCEL], ids=[row[0] for row in EXCEL])
def test_excel_cells(data, key, expected):
    (raw,) = read_forms("plan.xlsx", "", data, LimitSettings())
    assert _value(validate_form(raw, NETWORK, TODAY), key) == expected


@pytest.mark.parametrize(
    ("boxes", "expected"),
    [
        ([("Yes", False), ("No", True)], False),
        ([("Yes", True), ("No", False)], True),
        ([("Yes", False), ("No", False)], None),
    ],
)
def test_libreoffice_check_box_controls(boxes, expected):
    (raw,) = read_forms("plan.odt", "", odt_form({}, {SHARE: boxes}), LimitSettings())
    assert validate_form(raw, NETWORK, TODAY).values["share_externally"] is expected
