"""Reporting periods, a pure module.

Periods follow the programme's frequency, calendar-aligned, from the period that contains the
programme start to the period that contains the later of the programme end and the latest KPI target
date. A period "comes due" at its end plus the KPI's grace days (:data:`DEFAULT_GRACE_DAYS` unless
the KPI says otherwise); a report not in by then is overdue from that day on (:func:`is_overdue`).
"""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}

# Days after a period's end before its report comes due, for a KPI that does not say (and for a
# programme without KPIs): the one definition every layer reads.
DEFAULT_GRACE_DAYS = 30


def is_overdue(due_date: date, as_of: date) -> bool:
    """Whether a report that is not in (approved, or for the reminders submitted) is overdue on
    ``as_of``: from its due date on, the day the period comes due."""
    return as_of >= due_date


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date

    def due_date(self, grace_days: int) -> date:
        """The day the period comes due: its end plus the grace days."""
        return self.end + timedelta(days=grace_days)

    def has_come_due(self, as_of: date, grace_days: int) -> bool:
        """Whether the period has come due by ``as_of`` (its report, if not in, is overdue)."""
        return is_overdue(self.due_date(grace_days), as_of)

    def label(self, frequency: str) -> str:
        """A short, language-neutral label: 2026-Q1, 2026-H2, 2026-03, 2026."""
        months = MONTHS_PER_PERIOD[frequency]
        if months == 12:
            return f"{self.start.year}"
        if months == 6:
            return f"{self.start.year}-H{1 if self.start.month == 1 else 2}"
        if months == 3:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"


def period_containing(day: date, frequency: str) -> Period:
    """The calendar-aligned period of the given frequency that contains ``day``."""
    try:
        months = MONTHS_PER_PERIOD[frequency]
    except KeyError:
        raise ValueError(f"unknown frequency {frequency!r}") from None
    first_month = ((day.month - 1) // months) * months + 1
    last_month = first_month + months - 1
    last_day = calendar.monthrange(day.year, last_month)[1]
    return Period(date(day.year, first_month, 1), date(day.year, last_month, last_day))


def reporting_periods(start: date, end: date, frequency: str) -> list[Period]:
    """Every period from the one containing ``start`` to the one containing ``end``."""
    if end < start:
        raise ValueError("end is before start")
    periods = []
    current = period_containing(start, frequency)
    while current.start <= end:
        periods.append(current)
        current = period_containing(current.end + timedelta(days=1), frequency)
    return periods


def is_period_end(day: date, frequency: str) -> bool:
    """Whether ``day`` is the last day of a period of this frequency."""
    return period_containing(day, frequency).end == day


@functools.lru_cache(maxsize=8192)
def periods_come_due(start: date, frequency: str, grace_days: int, as_of: date) -> int:
    """How many periods, counted from the one containing ``start`` with no end, have come due by
    ``as_of`` (their end plus ``grace_days`` on or before it): the periods that end on or before
    ``as_of - grace_days``, i.e. those before the period containing the day after. In O(1)."""
    months = MONTHS_PER_PERIOD[frequency]
    first = period_containing(start, frequency).start
    after = period_containing(as_of - timedelta(days=grace_days - 1), frequency).start
    elapsed = (after.year - first.year) * 12 + after.month - first.month
    return max(0, elapsed // months)
