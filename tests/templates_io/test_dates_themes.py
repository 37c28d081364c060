"""Loose UK dates and theme matching, as members write them."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.config import DEFAULT_REGIONS, DEFAULT_THEMES
from pipeline.templates_io.dates import DateProblem, parse_date, parse_date_pair
from pipeline.templates_io.themes import match_choice, theme_code

TODAY = dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("text", "date", "precision", "planned"),
    [
        ("07/09/2006", dt.date(2006, 9, 7), "day", False),
        ("7/9/06", dt.date(2006, 9, 7), "day", False),
        ("7 Sept 2006", dt.date(2006, 9, 7), "day", False),
        ("7th September 2006", dt.date(2006, 9, 7), "day", False),
        ("2006-09-07", dt.date(2006, 9, 7), "day", False),
        ("June 2006", dt.date(2006, 6, 1), "month", False),
        ("Sept 06", dt.date(2006, 9, 1), "month", False),
        ("Oct 06", dt.date(2006, 10, 1), "month", False),
        ("Jun-06", dt.date(2006, 6, 1), "month", False),
        ("JJune 2006", dt.date(2006, 6, 1), "month", False),
        ("Setpember 2006", dt.date(2006, 9, 1), "month", False),
        ("To commence Oct 06", dt.date(2006, 10, 1), "month", True),
        ("evaluation planned for Sept 06", dt.date(2006, 9, 1), "month", True),
    ],
)
def test_loose_dates(text, date, precision, planned):
    found = parse_date(text, TODAY)
    assert (found.date, found.precision, found.planned) == (date, precision, planned)


def test_day_first_always():
    assert parse_date("03/04/2007", TODAY).date == dt.date(2007, 4, 3)


def test_commenced_and_updated_pair():
    commenced, updated = parse_date_pair("June 2004/August 2006", TODAY)
    assert (commenced.date, updated.date) == (dt.date(2004, 6, 1), dt.date(2006, 8, 1))
    assert parse_date_pair("07/09/2006", TODAY) == (parse_date("07/09/2006", TODAY), None)


@pytest.mark.parametrize("text", ["soon", "31/02/2006", "2006", "next spring"])
def test_unreadable_dates_say_how_to_write_them(text):
    with pytest.raises(DateProblem, match=r"07/09/2006"):
        parse_date(text, TODAY)


def test_blank_date_is_none():
    assert parse_date("  ", TODAY) is None


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("6", 6),
        ("Theme 6", 6),
        ("6 - Care homes", 6),
        ("care homes", 6),
        ("Care Homes / Housing / Home Care / Day Services", 6),
        ("In-patient services", 5),
        ("Culture and diversity", 4),
        ("LIAISON", 1),
        ("Commissioning", 2),
        ("cmht", 7),
    ],
)
def test_theme_matches(text, number):
    assert match_choice(text, DEFAULT_THEMES).number == number


def test_close_spelling_is_a_suggestion_not_a_match():
    found = match_choice("Carehomes", DEFAULT_THEMES)
    assert not found.ok
    assert found.suggestions[0] == "Care Homes / Housing / Home Care / Day Services"
    assert match_choice("Comissioning", DEFAULT_THEMES).suggestions == ("Commissioning",)
    assert match_choice("11", DEFAULT_THEMES).ok is False


def test_network_with_its_own_themes():
    themes = ("Perinatal", "Crisis care")
    assert match_choice("2", themes).name == "Crisis care"
    assert not match_choice("6", themes).ok


def test_regions_and_codes():
    assert match_choice("Yorkshire and Humber", DEFAULT_REGIONS, numbered=False).name == "Yorkshire & Humber"
    assert match_choice("north-east", DEFAULT_REGIONS, numbered=False).name == "North East"
    codes = [theme_code(t, DEFAULT_THEMES) for t in DEFAULT_THEMES]
    assert codes[5] == "CH" and len(set(codes)) == len(codes)
    assert [theme_code(t, ("Care homes", "Crisis homes")) for t in ("Care homes", "Crisis homes")] == ["CH1", "CH2"]
