"""KPI status: :func:`assess_kpi`, first rule that matches (not_started, no_data, achieved,
on_track, at_risk, off_track), the overdue flag and the forecast; and :func:`as_of_key`, what
an assessment takes from the as-of date."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from kpis.kinds import KIND_TABLE
from programs.periods import Period, periods_come_due, reporting_periods
from status.rules.actual import _actual_line
from status.rules.arithmetic import Number, _dec_pair, _pair, _reached_pair, tau
from status.rules.explanations import Explanation, _AsDict, _explain, _jsonable
from status.rules.forecast import _forecast_at_target, _least_squares, _x_sums
from status.rules.inputs import (
    DEFAULT_THRESHOLDS,
    KPIFacts,
    PeriodValue,
    ProgramFacts,
    Status,
    Thresholds,
)
from status.rules.ratio import _ratio_pair, _status_for_pair, kpi_thresholds
from status.rules.targets import _check_version, _expected_pair, target_in_force


@dataclass(frozen=True)
class KPIAssessment(_AsDict):
    """The status of one KPI as of a date, with everything it was computed from."""

    code: str
    kind: str
    direction: str
    as_of: date
    status: Status
    explanation: Explanation
    target: Decimal
    target_date: date
    baseline: Decimal
    target_effective_from: date | None
    thresholds: Thresholds
    assessed_at: date | None = None
    assessed_year: int | None = None
    actual: Decimal | None = None
    expected: Decimal | None = None
    ratio: Decimal | None = None
    overdue: bool = False
    overdue_period_end: date | None = None
    forecast_value: Decimal | None = None
    forecast_date: date | None = None
    forecast_miss: bool = False

    def as_dict(self) -> dict[str, Any]:
        data = super().as_dict()
        data["thresholds"] = {
            "on_track": _jsonable(self.thresholds.on_track),
            "at_risk": _jsonable(self.thresholds.at_risk),
        }
        return data


_FIRST = operator.itemgetter(0)
_SECOND = operator.itemgetter(1)


def _last_period_day(kpi: KPIFacts, program: ProgramFacts) -> date:
    if len(kpi.versions) == 1:
        return max(program.end, kpi.versions[0].target_date)
    return max([program.end, *(v.target_date for v in kpi.versions)])


@functools.lru_cache(maxsize=4096)
def _periods(start: date, last: date, frequency: str) -> tuple[tuple[Period, ...], frozenset[date]]:
    """The reporting periods and the set of their ends (computed once per programme calendar)."""
    periods = tuple(reporting_periods(start, last, frequency))
    return periods, frozenset(p.end for p in periods)


@functools.lru_cache(maxsize=4096)
def _come_due(
    start: date, last: date, frequency: str, grace_days: int, as_of: date
) -> tuple[Period, ...]:
    """The periods that have come due by ``as_of``, in order."""
    return tuple(
        p for p in _periods(start, last, frequency)[0] if p.has_come_due(as_of, grace_days)
    )


def kpi_periods(kpi: KPIFacts, program: ProgramFacts) -> list[Period]:
    """The KPI's reporting periods: from the one containing ``s`` to the one containing the later
    of the programme end and the latest target date of its versions."""
    return list(_periods(program.start, _last_period_day(kpi, program), program.frequency)[0])


def assess_kpi(
    kpi: KPIFacts,
    program: ProgramFacts,
    values: Iterable[PeriodValue | tuple[date, Number]],
    as_of: date,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    *,
    value_denominator: int | None = None,
) -> KPIAssessment:
    """The status of one KPI as of ``as_of`` from its approved period values (docs/status-rules.md):
    :class:`PeriodValue` items or plain ``(period_end, value)`` tuples. With
    ``value_denominator``, each value is an integer numerator over it (the status engine's form:
    exact, with no Decimal per value)."""
    for version in kpi.versions:  # without milestones, only the target date can be wrong
        if version.milestones or version.target_date < program.start:
            _check_version(version, kpi.kind, program.start, kpi.where)
    version = target_in_force(kpi.versions, as_of)
    behaviour = KIND_TABLE[kpi.kind]
    last = _last_period_day(kpi, program)
    periods, period_ends = _periods(program.start, last, program.frequency)
    values = list(values)
    ends = list(map(_FIRST, values))
    seen = set(ends)
    if len(seen) != len(ends) or not seen <= period_ends:  # name the first bad value
        seen = set()
        for end in ends:
            if end not in period_ends:
                raise ValueError(
                    f"{kpi.where}: {end} is not the end of a {program.frequency} reporting "
                    f"period of the programme ({periods[0].start} to {periods[-1].end})"
                )
            if end in seen:
                raise ValueError(f"{kpi.where}: two values for the period ending {end}")
            seen.add(end)
    # By period end (the ends are distinct, so the values themselves are never compared).
    counted = sorted(values)
    if counted and counted[-1][0] > as_of:
        counted = [item for item in counted if item[0] <= as_of]
    limits = kpi_thresholds(kpi, thresholds)
    # Exact integer arithmetic: target, baseline and values as (numerator, denominator) pairs.
    target = _pair(version.target)
    base_num, base_den = (0, 1) if behaviour.yearly else _pair(version.baseline)
    # The fields in order; status and explanation are set below.
    state: dict[str, Any] = {
        "code": kpi.code,
        "kind": kpi.kind,
        "direction": kpi.direction,
        "as_of": as_of,
        "status": None,
        "explanation": None,
        "target": _dec_pair(*target),
        "target_date": version.target_date,
        "baseline": _dec_pair(base_num, base_den),
        "target_effective_from": version.effective_from,
        "thresholds": limits,
    }

    # 1. not_started / 2. no_data
    if as_of < program.start:
        state["status"] = Status.NOT_STARTED
        state["explanation"] = _explain("not_started_before_start", start=program.start)
        return KPIAssessment(**state)
    come_due = _come_due(program.start, last, program.frequency, kpi.grace_days, as_of)
    if not counted:
        if not come_due:
            state["status"] = Status.NOT_STARTED
            state["explanation"] = _explain(
                "not_started_nothing_due", due_date=periods[0].due_date(kpi.grace_days)
            )
        else:
            state["status"] = Status.NO_DATA
            state["explanation"] = _explain(
                "no_data", due_date=come_due[0].due_date(kpi.grace_days)
            )
        return KPIAssessment(**state)

    assessed_at = counted[-1][0]
    assessed_year = assessed_at.year if behaviour.yearly else None
    line, scale, actual = _actual_line(
        behaviour.actual, counted, (base_num, base_den), assessed_year, value_denominator
    )
    expected = _expected_pair(kpi.kind, version, program.start, assessed_at)
    ratio = _ratio_pair(actual, expected, (base_num, base_den), kpi.direction)

    # A period that has come due ended on or before the as-of date (grace days >= 0), so it is
    # counted exactly when it has a value.
    latest_due = come_due[-1] if come_due else None
    overdue = latest_due is not None and latest_due.end not in seen

    actual_out, expected_out, ratio_out = (
        _dec_pair(*actual),
        _dec_pair(*expected),
        _dec_pair(*ratio),
    )

    # 3. achieved / 4-6. by the ratio
    if _reached_pair(*actual, *target, kpi.direction):
        state["status"] = Status.ACHIEVED
        if behaviour.yearly:
            state["explanation"] = _explain(
                "achieved_annual",
                target=state["target"],
                year=assessed_year,
                actual=actual_out,
                date=assessed_at,
            )
        else:
            state["explanation"] = _explain(
                "achieved", target=state["target"], actual=actual_out, date=assessed_at
            )
    else:
        state["status"] = _status_for_pair(*ratio, limits)
        state["explanation"] = _explain(
            "progress", expected=expected_out, date=assessed_at, actual=actual_out, ratio=ratio_out
        )

    forecast_value: Decimal | None = None
    forecast_date: date | None = None
    forecast_miss = False
    if behaviour.forecast and len(counted) >= 2:
        start = program.start
        x_sums = _x_sums(start, tuple(map(_FIRST, counted)))
        forecast_value, forecast_date, forecast_miss = _forecast_at_target(
            x_sums,
            _least_squares(x_sums, line, scale),
            start=start,
            goal=target,
            target_x=tau(version.target_date, start),
            direction=kpi.direction,
        )

    # The other fields, in order.
    state["assessed_at"] = assessed_at
    state["assessed_year"] = assessed_year
    state["actual"] = actual_out
    state["expected"] = expected_out
    state["ratio"] = ratio_out
    state["overdue"] = overdue
    state["overdue_period_end"] = latest_due.end if overdue and latest_due else None
    state["forecast_value"] = forecast_value
    state["forecast_date"] = forecast_date
    state["forecast_miss"] = forecast_miss
    return KPIAssessment._of(state)


def as_of_key(
    program: ProgramFacts,
    *,
    grace_days: int,
    as_of: date,
    effective_from: Iterable[date | None] = (),
) -> tuple[bool, int, int]:
    """What an assessment takes from the as-of date, besides which values count: a key such that
    two as-of dates with equal keys and the same counted values (those of periods ended on or
    before each date) give the same :func:`assess_kpi` result in every field but ``as_of`` (status,
    explanation, figures, overdue flag, forecast), and likewise :func:`assess_budget` (with the
    programme's grace days). So a result stored for one date can be reused for another.

    The as-of date enters the rules only through: whether it is before the programme start (rule
    1); the periods that have come due (rules 1 and 2, the overdue flag, the budget's no-data
    case), which are always the first ones of the programme's calendar, so their number tells them
    (:func:`programs.periods.periods_come_due`, counted without an end: finer than needed after
    the last period, never coarser); and the target version in force (:func:`target_in_force`),
    which is told by how many versions take effect on or before the date (``effective_from``: the
    versions' dates, ``None`` for from the beginning; empty for a KPI with one version). The
    assessment date ``L``, the expected value, the ratio and the forecast depend on the counted
    values and the version only."""
    return (
        as_of >= program.start,
        periods_come_due(program.start, program.frequency, grace_days, as_of),
        sum(1 for day in effective_from if day is not None and day <= as_of),
    )
