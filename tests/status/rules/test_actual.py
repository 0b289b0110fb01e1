"""The actual so far, defined once (status.rules.actual) for the rules and the report form."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from status import rules

PROGRAM = rules.ProgramFacts(date(2026, 1, 1), date(2027, 12, 31), "quarterly")
VALUES = [
    (date(2026, 9, 30), Decimal("30")),
    (date(2026, 3, 31), Decimal("10")),
    (date(2027, 3, 31), Decimal("5")),
    (date(2026, 6, 30), Decimal("20")),
]


def test_running_total_from_the_baseline():
    assert rules.actual_so_far("cumulative", Decimal(100), VALUES) == Decimal(165)
    assert rules.actual_so_far("cumulative", Decimal(100), []) == Decimal(100)


def test_latest_value():
    assert rules.actual_so_far("level", Decimal(100), VALUES) == Decimal(5)
    assert rules.actual_so_far("level", Decimal(100), []) is None


def test_year_total_without_the_baseline():
    assert rules.actual_so_far("annual", Decimal(0), VALUES) == Decimal(5)
    assert rules.actual_so_far("annual", Decimal(0), VALUES, year=2026) == Decimal(60)
    assert rules.actual_so_far("annual", Decimal(0), VALUES, year=2028) == Decimal(0)
    assert rules.actual_so_far("annual", Decimal(0), []) == Decimal(0)


def test_the_same_actual_as_the_status_rules():
    for kind in ("cumulative", "level", "annual"):
        kpi = rules.KPIFacts(
            kind=kind,
            direction="increase",
            versions=(rules.TargetVersion(target=Decimal(1000), target_date=date(2027, 12, 31)),),
        )
        assessment = rules.assess_kpi(kpi, PROGRAM, VALUES, date(2027, 6, 30))
        assert assessment.actual == rules.actual_so_far(kind, assessment.baseline, VALUES)
