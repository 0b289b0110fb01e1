"""rules.as_of_key: two as-of dates with equal keys and the same counted values give the same
assessment, so the status engine may copy a stored result from one date to the other."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from programs.periods import MONTHS_PER_PERIOD, periods_come_due, reporting_periods
from status.rules import (
    KPIFacts,
    ProgramFacts,
    TargetVersion,
    as_of_key,
    assess_budget,
    assess_kpi,
)

FREQUENCIES = sorted(MONTHS_PER_PERIOD)
days = st.dates(min_value=date(2023, 1, 1), max_value=date(2029, 12, 31))


@settings(max_examples=400, deadline=None)
@given(
    start=days,
    frequency=st.sampled_from(FREQUENCIES),
    grace=st.integers(0, 120),
    as_of=days,
)
def test_periods_come_due_counts_the_periods_that_have_come_due(start, frequency, grace, as_of):
    periods = reporting_periods(start, date(2031, 12, 31), frequency)
    expected = sum(1 for p in periods if p.has_come_due(as_of, grace))
    assert periods_come_due(start, frequency, grace, as_of) == expected


def test_periods_come_due_edges():
    # Q1 2026 ends 31 Mar; with 30 grace days it comes due on 30 Apr, not the day before.
    assert periods_come_due(date(2026, 2, 10), "quarterly", 30, date(2026, 4, 29)) == 0
    assert periods_come_due(date(2026, 2, 10), "quarterly", 30, date(2026, 4, 30)) == 1
    assert periods_come_due(date(2026, 2, 10), "quarterly", 0, date(2026, 3, 31)) == 1
    assert periods_come_due(date(2026, 2, 10), "monthly", 0, date(2026, 1, 31)) == 0


def _without_as_of(assessment):
    return dataclasses.replace(assessment, as_of=date.min)


@st.composite
def kpis(draw):
    frequency = draw(st.sampled_from(FREQUENCIES))
    start = draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)))
    end = start + timedelta(days=draw(st.integers(0, 1500)))
    program = ProgramFacts(start=start, end=end, frequency=frequency)
    kind = draw(st.sampled_from(["cumulative", "level", "annual"]))
    direction = "increase" if kind == "annual" else draw(st.sampled_from(["increase", "decrease"]))
    target_date = start + timedelta(days=draw(st.integers(0, 1500)))
    versions = [TargetVersion(target=Decimal(draw(st.integers(-50, 500))), target_date=target_date)]
    effective = []
    if draw(st.booleans()):  # a revision taking effect on some day
        day = start + timedelta(days=draw(st.integers(-30, 1500)))
        effective.append(day)
        versions.append(
            TargetVersion(
                target=Decimal(draw(st.integers(-50, 500))),
                target_date=target_date + timedelta(days=draw(st.integers(0, 400))),
                effective_from=day,
            )
        )
    grace = draw(st.integers(0, 90))
    kpi = KPIFacts(
        kind=kind, direction=direction, versions=tuple(versions), grace_days=grace, code="K"
    )
    last = max([end, *(v.target_date for v in versions)])
    periods = reporting_periods(start, last, frequency)
    chosen = draw(st.lists(st.sampled_from(periods), unique=True, max_size=8))
    values = [(p.end, Decimal(draw(st.integers(-20, 200)))) for p in chosen]
    return program, kpi, effective, values


@settings(max_examples=1500, deadline=None)
@given(case=kpis(), first=days, shift=st.integers(-60, 60))
def test_equal_keys_and_counted_values_give_equal_assessments(case, first, shift):
    program, kpi, effective, values = case
    second = first + timedelta(days=shift)
    keys = [
        as_of_key(program, grace_days=kpi.grace_days, as_of=d, effective_from=effective)
        for d in (first, second)
    ]
    counted = [sorted(v for v in values if v[0] <= d) for d in (first, second)]
    if keys[0] != keys[1] or counted[0] != counted[1]:
        return
    a, b = (assess_kpi(kpi, program, c, d) for c, d in zip(counted, (first, second), strict=True))
    assert _without_as_of(a) == _without_as_of(b)
    budget = [
        assess_budget(
            program,
            allocated_won=1000,
            fiscal_year=2026,
            reports=[(e, 10) for e, _ in c],
            as_of=d,
            grace_days=kpi.grace_days,
        )
        for c, d in zip(counted, (first, second), strict=True)
    ]
    assert _without_as_of(budget[0]) == _without_as_of(budget[1])


def test_the_key_tells_dates_apart_where_the_assessment_differs():
    program = ProgramFacts(start=date(2026, 1, 1), end=date(2026, 12, 31), frequency="quarterly")
    key = [
        as_of_key(program, grace_days=30, as_of=d)
        for d in (date(2025, 12, 31), date(2026, 1, 1), date(2026, 4, 29), date(2026, 4, 30))
    ]
    assert key == [(False, 0, 0), (True, 0, 0), (True, 0, 0), (True, 1, 0)]
    revised = as_of_key(
        program, grace_days=30, as_of=date(2026, 6, 1), effective_from=[date(2026, 6, 1)]
    )
    assert revised == (True, 1, 1)
