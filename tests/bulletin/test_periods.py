import datetime as dt

import pytest

from pipeline.errors import InvalidInput
from pipeline.outbound.bulletin import Period, parse_period, period_for

D = dt.date


@pytest.mark.parametrize(
    "day, start, end, label",
    [
        (D(2026, 1, 1), D(2026, 1, 1), D(2026, 2, 28), "January–February 2026"),
        (D(2026, 2, 28), D(2026, 1, 1), D(2026, 2, 28), "January–February 2026"),
        (D(2028, 2, 29), D(2028, 1, 1), D(2028, 2, 29), "January–February 2028"),
        (D(2026, 4, 30), D(2026, 3, 1), D(2026, 4, 30), "March–April 2026"),
        (D(2026, 11, 24), D(2026, 11, 1), D(2026, 12, 31), "November–December 2026"),
        (D(2026, 12, 31), D(2026, 11, 1), D(2026, 12, 31), "November–December 2026"),
    ],
)
def test_bimonthly_periods_are_aligned_to_january(day, start, end, label):
    period = period_for(day)
    assert (period.start, period.end, period.label) == (start, end, label)
    assert period.contains(day) and not period.contains(end + dt.timedelta(days=1))


def test_period_option_names_any_month_of_the_period():
    assert parse_period("2026-11") == parse_period("2026-12") == Period(D(2026, 11, 1))
    assert parse_period("2026-11").key == "2026-11"
    assert parse_period("2026-12").key == "2026-11"


def test_next_period_crosses_the_year():
    assert Period(D(2026, 11, 1)).next() == Period(D(2027, 1, 1))


@pytest.mark.parametrize(
    "months, day, label",
    [(3, D(2026, 5, 9), "April–June 2026"), (1, D(2026, 5, 9), "May 2026"), (6, D(2026, 12, 1), "July–December 2026")],
)
def test_other_groupings(months, day, label):
    assert period_for(day, months).label == label


@pytest.mark.parametrize("text", ["2026", "2026-13", "Nov 2026", "", "2026-00"])
def test_bad_period_text_is_refused(text):
    with pytest.raises(InvalidInput, match="like 2026-11"):
        parse_period(text)


def test_groupings_that_do_not_divide_the_year_are_refused():
    with pytest.raises(InvalidInput, match="divide 12"):
        period_for(D(2026, 1, 1), 5)


def test_quarterly_issues_from_the_setting():
    import dataclasses

    from pipeline.config import NetworkSettings, Settings
    from pipeline.localtime import months_per_issue
    from pipeline.periods import period_for

    settings = Settings(network=dataclasses.replace(NetworkSettings(), months_per_issue=3))
    period = period_for(dt.date(2026, 11, 24), months_per_issue(settings))
    assert period.start == dt.date(2026, 10, 1)
