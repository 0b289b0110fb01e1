"""Shortfalls: when a KPI falls short in a report, and when the report must say why.

The one place of the rule (docs/reporting.md, "Shortfalls"):

* A KPI **falls short** in a report when its actual at the period end, with the report's value
  counted as the status rules count it (``status.rules.actual_so_far``: the running total for a
  cumulative KPI, the value for a level KPI, the year's total for an annual KPI), is behind the
  value expected at the period end (``reporting.expected.expected_value``, as the form and the
  review queue show it: at most two decimal places) in the KPI's direction: below it for an
  ``increase`` KPI, above it for a ``decrease`` KPI. A KPI without a value, or whose expected
  value cannot be computed (inconsistent targets), does not fall short.
* For such a KPI the officer gives a **shortfall reason** and a **remedy** (both or neither).
  They are asked for in every report; a **year-end report** (its period ends on 31 December)
  cannot be submitted while a KPI falls short without them (reporting/validation.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from kpis.kinds import DECREASE
from reporting.expected import expected_value
from status import rules

if TYPE_CHECKING:
    from kpis.models import KPI
    from programs.models import Program

# The most characters a shortfall reason or remedy may have.
SHORTFALL_MAX_CHARS = 2000


def is_year_end(day: date) -> bool:
    """Whether a period ending on ``day`` is a year-end period (it ends on 31 December)."""
    return day.month == 12 and day.day == 31


def is_behind(direction: str, actual: Decimal | None, expected: Decimal | None) -> bool:
    """Whether ``actual`` is behind ``expected`` in the KPI's ``direction``."""
    if actual is None or expected is None:
        return False
    return actual > expected if direction == DECREASE else actual < expected


@dataclass(frozen=True)
class Standing:
    """One KPI's reported value at the period end against what was expected."""

    actual: Decimal  # in the terms of the expected value (cumulative total, year total)
    expected: Decimal | None  # as shown: at most two decimal places
    falls_short: bool


def _shown(number: Decimal | None) -> Decimal | None:
    from reporting.selectors import reading_precision

    return reading_precision(number)


def kpi_standing(
    kpi: KPI,
    value: Decimal,
    *,
    period_end: date,
    start: date,
    before: Iterable[tuple[date, Decimal]],
) -> Standing:
    """The standing of ``kpi`` reported as ``value`` for the period ending ``period_end`` of a
    programme starting ``start``; ``before`` are the approved ``(period_end, value)`` of the
    KPI's earlier periods (``reporting.selectors.approved_so_far``). Uses
    ``kpi.milestones.all()``: prefetch it for lists."""
    earlier = [(end, v) for end, v in before if end < period_end]
    actual = rules.actual_so_far(
        kpi.kind, kpi.baseline, [*earlier, (period_end, value)], year=period_end.year
    )
    assert actual is not None  # one value at least
    expected = _shown(expected_value(kpi, period_end, start=start))
    return Standing(
        actual=actual, expected=expected, falls_short=is_behind(kpi.direction, actual, expected)
    )


def report_standings(
    program: Program,
    period_end: date,
    values: Mapping[int, Decimal | None],
    *,
    before: Mapping[int, list[tuple[date, Decimal]]] | None = None,
) -> dict[int, Standing]:
    """KPI id -> :class:`Standing` for each KPI of ``program`` with a value in ``values``
    (KPI id -> value). ``before`` is ``approved_so_far(program, period_end)`` when the caller has
    it (else one query)."""
    if before is None:
        from reporting.selectors import approved_so_far

        before = approved_so_far(program, period_end)
    out: dict[int, Standing] = {}
    for kpi in program.kpis.all():
        value = values.get(kpi.pk)
        if value is None:
            continue
        out[kpi.pk] = kpi_standing(
            kpi,
            value,
            period_end=period_end,
            start=program.start,
            before=before.get(kpi.pk, ()),
        )
    return out
