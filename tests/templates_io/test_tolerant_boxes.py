"""Tolerant dates, optional boxes and a loosely written File No: read as written, never a reason to send a form back.

Each date row: what the member wrote, and the date, precision and text it must read as;
what they wrote is kept beside it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from templates_io.small_form import small_form

from pipeline.config import NetworkSettings
from pipeline.templates_io.dates import parse_date
from pipeline.templates_io.validate import loose_file_no, validate_form

NETWORK = NetworkSettings()
TODAY = dt.date(2026, 11, 24)

DATES = [
    ("w/c 3rd March 2025", dt.date(2025, 3, 3), "day", "3 March 2025"),
    ("W/C 03/03/2025", dt.date(2025, 3, 3), "day", "3 March 2025"),
    ("week commencing 3 March 2025", dt.date(2025, 3, 3), "day", "3 March 2025"),
    ("w/b 3.3.25", dt.date(2025, 3, 3), "day", "3 March 2025"),
    ("Q2 2025/26", dt.date(2025, 7, 1), "quarter", "July\u2013September 2025"),
    ("Q4 2025/26", dt.date(2026, 1, 1), "quarter", "January\u2013March 2026"),
    ("Q1 25-26", dt.date(2025, 4, 1), "quarter", "April\u2013June 2025"),
    ("2025/26 Q3", dt.date(2025, 10, 1), "quarter", "October\u2013December 2025"),
    ("Quarter 2 of FY2025/26", dt.date(2025, 7, 1), "quarter", "July\u2013September 2025"),
    ("45719", dt.date(2025, 3, 3), "day", "3 March 2025"),  # Excel's serial number for 3 March 2025
    ("01/02/2026", dt.date(2026, 2, 1), "day", "1 February 2026"),  # day first: 1 February
    ("1.2.26", dt.date(2026, 2, 1), "day", "1 February 2026"),
    ("01 02 2026", dt.date(2026, 2, 1), "day", "1 February 2026"),
    ("2025-03-03T00:00:00Z", dt.date(2025, 3, 3), "day", "3 March 2025"),
    ("March 2026 (TBC)", dt.date(2026, 3, 1), "month", "March 2026"),
    ("ongoing since June 2024", dt.date(2024, 6, 1), "month", "June 2024"),
    ("JJune 2006", dt.date(2006, 6, 1), "month", "June 2006"),
    ("Q2 (Jul-Sep) 2025/26", dt.date(2025, 7, 1), "quarter", "July\u2013September 2025"),
    ("Sept 2025 - March 2026", dt.date(2025, 9, 1), "month", "September 2025"),  # a range: its start ...
]


def test_a_completion_date_given_as_a_range_is_its_end():
    checked = validate_form(small_form(completion_date="01/04/2025 to 31/03/2026"), NETWORK, TODAY)
    assert checked.values["completion_date"].date == dt.date(2026, 3, 31)
    assert any("the end of the range" in note for note in checked.notes)


@pytest.mark.parametrize(("written", "date", "precision", "shown"), DATES, ids=[row[0] for row in DATES])
def test_dates_as_people_write_them(written, date, precision, shown):
    found = parse_date(written, TODAY)
    assert (found.date, found.precision, str(found)) == (date, precision, shown)
    assert found.written == written


@pytest.mark.parametrize(
    "written",
    ["TBC", "tba", "TBD", "To be confirmed", "unknown", "Not known", "N/A", "?", "-", "Ongoing", "not yet known"],
)
def test_not_known_is_no_date_and_no_mistake(written):
    assert parse_date(written, TODAY) is None
    checked = validate_form(small_form(date_commenced=written, completion_date=written), NETWORK, TODAY)
    assert checked.ok and checked.notes == []
    assert checked.values["date_commenced"] is None and checked.values["completion_note"] == written


@pytest.mark.parametrize(
    ("written", "note"),
    [
        ("02/13/2026", "we read '02/13/2026' as 13 February 2026"),  # only one reading is a real date
        ("Q1 2026", "quarter 1 of the 2026/27 financial year"),  # one year given: the financial year it starts
        ("w/c 3rd March", "as 3 March 2027"),  # no year: the nearest 3 March
    ],
)
def test_a_date_read_with_a_guess_says_how_it_was_read(written, note):
    checked = validate_form(small_form(date_commenced=written), NETWORK, TODAY)
    assert checked.ok
    assert any(note in n for n in checked.notes), checked.notes


@pytest.mark.parametrize("written", ["31/02/2026", "JJanuary 20066", "13/13/2026"])
def test_a_mistyped_date_is_sent_back_to_be_corrected(written):
    checked = validate_form(small_form(date_commenced=written), NETWORK, TODAY)
    assert any(p.startswith(f"Date commenced '{written}'") for p in checked.problems), checked.problems


def test_dates_that_cannot_be_read_are_kept_as_written_and_quoted_back():
    checked = validate_form(small_form(date_commenced="after the summer", date_updated="soonish"), NETWORK, TODAY)
    assert checked.ok
    assert checked.raw.get("date_commenced") == "after the summer"
    assert [n.split(" '")[0] for n in checked.notes] == ["Date commenced", "Date updated"]


@pytest.mark.parametrize(
    ("written", "region"),
    [
        ("Yorkshire and the Humber", "Yorkshire & Humber"),
        ("Yorkshire & Humberside", "Yorkshire & Humber"),
        ("Y&H", "Yorkshire & Humber"),
        ("Yorkshire", "Yorkshire & Humber"),
        ("North-East England", "North East"),
        ("the North East region", "North East"),
        ("NW", "North West"),
        ("East Mids", "East Midlands"),
        ("north west", "North West"),
    ],
)
def test_an_optional_region_matches_the_entry_it_clearly_names(written, region):
    checked = validate_form(small_form(region=written), NETWORK, TODAY)
    assert checked.values["region"] == region
    assert checked.ok and checked.notes == []


def test_a_region_box_saying_there_is_none_is_blank():
    checked = validate_form(small_form(region="N/A"), NETWORK, TODAY)
    assert checked.values["region"] == "" and checked.notes == []


@pytest.mark.parametrize("written", ["Narnia", "North", "East", "North East and Yorkshire", "South of England"])
def test_a_region_outside_the_list_is_kept_as_written_with_a_note(written):
    checked = validate_form(small_form(region=written), NETWORK, TODAY)
    assert checked.ok
    assert checked.values["region"] == written
    (note,) = checked.notes
    assert f"Region '{written}'" in note and "kept it as you wrote it" in note


@pytest.mark.parametrize(
    ("written", "type_"),
    [
        ("Third sector", "3rd Sector"),
        ("voluntary sector", "3rd Sector"),
        ("MH Trust", "Mental Health Trust"),
        ("Local authority", "Local authority"),
    ],
)
def test_organisation_type_matches_loosely_or_stays_as_written(written, type_):
    checked = validate_form(small_form(organisation_type=written), NETWORK, TODAY)
    assert checked.values["organisation_type"] == type_ and checked.ok


@pytest.mark.parametrize(
    ("written", "file_no"),
    [
        ("IP-2026-001", "IP-2026-001"),
        ("IP-2026-001.", "IP-2026-001"),
        ("ip-2026-001", "IP-2026-001"),
        (" IP - 2026 - 001 ", "IP-2026-001"),
        ("IP 2026 001", "IP-2026-001"),
        ("IP\u20132026\u2013001", "IP-2026-001"),
        ("IP/2026/001", "IP-2026-001"),
        ("(IP-2026-001)", "IP-2026-001"),
        ("File No: IP-2026-001", "IP-2026-001"),
        ("Ref IP-2026-1", "IP-2026-001"),
        ("update to CH2-2026-014 sent in May", "CH2-2026-014"),
        ("MLN-IP-2026-001", "MLN-IP-2026-001"),
    ],
)
def test_a_file_no_written_loosely_is_accepted(written, file_no):
    checked = validate_form(small_form(file_no=written), NETWORK, TODAY)
    assert checked.values["file_no"] == file_no
    assert checked.ok, checked.problems


def test_the_network_prefix_is_added_when_the_member_leaves_it_off():
    assert loose_file_no("ip-2026-001.", "MLN") == "MLN-IP-2026-001"
    assert loose_file_no("MLN-IP-2026-001", "MLN") == "MLN-IP-2026-001"


@pytest.mark.parametrize("written", ["N/A", "new", "New plan", "none", "-", "TBC"])
def test_a_file_no_box_saying_there_is_none_is_blank(written):
    checked = validate_form(small_form(file_no=written), NETWORK, TODAY)
    assert checked.values["file_no"] == "" and checked.ok


def test_a_file_no_we_cannot_read_is_asked_about_without_telling_the_member_to_leave_it_blank_only():
    checked = validate_form(small_form(file_no="the one from last time"), NETWORK, TODAY)
    (problem,) = checked.problems
    assert "'the one from last time'" in problem and "copy it from our acknowledgement" in problem
