from datetime import date

import pytest

from programs.periods import Period, is_period_end, period_containing, reporting_periods


@pytest.mark.parametrize(
    ("frequency", "day", "expected"),
    [
        ("monthly", date(2026, 2, 14), Period(date(2026, 2, 1), date(2026, 2, 28))),
        ("monthly", date(2028, 2, 29), Period(date(2028, 2, 1), date(2028, 2, 29))),
        ("quarterly", date(2026, 5, 1), Period(date(2026, 4, 1), date(2026, 6, 30))),
        ("quarterly", date(2026, 12, 31), Period(date(2026, 10, 1), date(2026, 12, 31))),
        ("semiannual", date(2026, 7, 1), Period(date(2026, 7, 1), date(2026, 12, 31))),
        ("annual", date(2027, 3, 3), Period(date(2027, 1, 1), date(2027, 12, 31))),
    ],
)
def test_period_containing(frequency, day, expected):
    assert period_containing(day, frequency) == expected


def test_quarterly_periods_span_start_to_end_calendar_aligned():
    periods = reporting_periods(date(2026, 2, 10), date(2027, 1, 5), "quarterly")
    assert [p.label("quarterly") for p in periods] == [
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
        "2027-Q1",
    ]
    assert periods[0].start == date(2026, 1, 1)
    assert periods[-1].end == date(2027, 3, 31)


def test_due_date_adds_grace_days():
    period = Period(date(2026, 1, 1), date(2026, 3, 31))
    assert period.due_date(30) == date(2026, 4, 30)
    assert not period.has_come_due(date(2026, 4, 29), 30)
    assert period.has_come_due(date(2026, 4, 30), 30)


def test_is_period_end_and_errors():
    assert is_period_end(date(2026, 6, 30), "quarterly")
    assert not is_period_end(date(2026, 5, 31), "quarterly")
    assert is_period_end(date(2026, 5, 31), "monthly")
    with pytest.raises(ValueError, match="unknown frequency"):
        period_containing(date(2026, 1, 1), "weekly")
    with pytest.raises(ValueError, match="end is before start"):
        reporting_periods(date(2026, 2, 1), date(2026, 1, 1), "annual")
