"""Meetings fall on the last working day of the month (weekends and England & Wales bank holidays skipped)."""

import datetime as dt

import pytest

from pipeline.outbound.bulletin import last_working_day, upcoming_meetings

D = dt.date


@pytest.mark.parametrize(
    "year, month, expected, why",
    [
        (2026, 11, D(2026, 11, 30), "a Monday"),
        (2026, 12, D(2026, 12, 31), "a Thursday; Christmas is earlier"),
        (2026, 1, D(2026, 1, 30), "31 January 2026 is a Saturday"),
        (2026, 5, D(2026, 5, 29), "31 May is a Sunday, 30 a Saturday"),
        (2026, 8, D(2026, 8, 28), "Monday 31 August 2026 is the summer bank holiday"),
        (2024, 3, D(2024, 3, 28), "Good Friday 29 March 2024, then a weekend"),
        (2020, 5, D(2020, 5, 29), "the spring bank holiday moved; 31 May 2020 a Sunday"),
        (2027, 1, D(2027, 1, 29), "31 January 2027 is a Sunday"),
    ],
)
def test_last_working_day(year, month, expected, why):
    assert last_working_day(year, month) == expected, why


def test_upcoming_meetings_start_from_the_given_day():
    assert upcoming_meetings(D(2026, 11, 24), 3) == (D(2026, 11, 30), D(2026, 12, 31), D(2027, 1, 29))
    # A month whose meeting has passed is skipped.
    assert upcoming_meetings(D(2026, 12, 1), 2) == (D(2026, 12, 31), D(2027, 1, 29))
    # The meeting day itself still counts as upcoming.
    assert upcoming_meetings(D(2026, 8, 28), 1) == (D(2026, 8, 28),)
