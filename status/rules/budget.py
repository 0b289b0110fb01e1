"""Budget execution of a programme in a fiscal year: :func:`assess_budget`."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from programs.periods import is_period_end, reporting_periods
from status.rules.arithmetic import _dec_pair, day_of_year, days_in_year
from status.rules.explanations import Explanation, _AsDict, _explain
from status.rules.inputs import (
    DEFAULT_GRACE_DAYS,
    DEFAULT_THRESHOLDS,
    BudgetReport,
    ProgramFacts,
    Status,
    Thresholds,
)
from status.rules.ratio import _status_for_pair

# The same check for every report of every programme: computed once per (day, frequency).
_is_period_end = functools.lru_cache(maxsize=8192)(is_period_end)


@dataclass(frozen=True)
class BudgetAssessment(_AsDict):
    """Budget execution of one programme in one fiscal year, as of a date."""

    fiscal_year: int
    as_of: date
    status: Status
    explanation: Explanation
    allocated_won: int
    executed_won: int = 0
    assessed_at: date | None = None
    execution_rate: Decimal | None = None
    expected_share: Decimal | None = None
    ratio: Decimal | None = None
    over_executed: bool = False


def assess_budget(
    program: ProgramFacts,
    *,
    allocated_won: int,
    fiscal_year: int,
    reports: Iterable[BudgetReport | tuple[date, int | None]],
    as_of: date,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> BudgetAssessment:
    """Budget execution status of a programme in ``fiscal_year`` (docs/status-rules.md)."""
    if allocated_won < 0:
        raise ValueError(f"budget: allocated_won must be >= 0, got {allocated_won}")
    reports = list(reports)
    seen: set[date] = set()
    for period_end, executed_won in reports:
        if not _is_period_end(period_end, program.frequency):
            raise ValueError(f"budget: {period_end} is not the end of a {program.frequency} period")
        if period_end in seen:
            raise ValueError(f"budget: two reports for the period ending {period_end}")
        seen.add(period_end)
        if executed_won is not None and executed_won < 0:
            raise ValueError(
                f"budget: executed_won for {period_end} must be >= 0, got {executed_won}"
            )
    common: dict[str, Any] = {
        "fiscal_year": fiscal_year,
        "as_of": as_of,
        "allocated_won": allocated_won,
    }
    counted = sorted(  # by period end: the ends are distinct, so amounts are never compared
        r for r in reports if r[0].year == fiscal_year and r[0] <= as_of
    )
    if as_of < program.start:
        return BudgetAssessment(
            status=Status.NOT_STARTED,
            explanation=_explain("not_started_before_start", start=program.start),
            **common,
        )
    if not counted:
        in_year = [
            p
            for p in reporting_periods(program.start, program.end, program.frequency)
            if p.end.year == fiscal_year
        ]
        if not in_year:
            return BudgetAssessment(
                status=Status.NOT_STARTED,
                explanation=_explain("budget_no_periods", year=fiscal_year),
                **common,
            )
        come_due = [p for p in in_year if p.has_come_due(as_of, grace_days)]
        if not come_due:
            return BudgetAssessment(
                status=Status.NOT_STARTED,
                explanation=_explain(
                    "not_started_nothing_due", due_date=in_year[0].due_date(grace_days)
                ),
                **common,
            )
        return BudgetAssessment(
            status=Status.NO_DATA,
            explanation=_explain(
                "budget_no_data", year=fiscal_year, due_date=come_due[0].due_date(grace_days)
            ),
            **common,
        )

    assessed_at = counted[-1][0]
    executed = sum(r[1] or 0 for r in counted)
    # Exact integer arithmetic over (numerator, positive denominator) pairs: the share of the
    # year elapsed, the execution rate executed / allocated, the ratio rate / share.
    share = (day_of_year(assessed_at), days_in_year(assessed_at))
    share_out = _dec_pair(*share)
    over = executed > allocated_won
    rate_out: Decimal | None = None
    ratio_out: Decimal | None = None
    if allocated_won == 0:
        status = Status.ON_TRACK
        explanation = _explain("budget_nothing_allocated", executed=executed, date=assessed_at)
    else:
        ratio = (executed * share[1], allocated_won * share[0])  # rate / share
        status = _status_for_pair(*ratio, thresholds)
        rate_out = _dec_pair(executed, allocated_won)
        ratio_out = _dec_pair(*ratio)
        if over:
            explanation = _explain(
                "budget_over_executed",
                executed=executed,
                allocated=allocated_won,
                date=assessed_at,
                rate=rate_out,
            )
        else:
            explanation = _explain(
                "budget_progress",
                executed=executed,
                allocated=allocated_won,
                date=assessed_at,
                rate=rate_out,
                expected_share=share_out,
                ratio=ratio_out,
            )
    return BudgetAssessment._of(
        {
            "fiscal_year": fiscal_year,
            "as_of": as_of,
            "status": status,
            "explanation": explanation,
            "allocated_won": allocated_won,
            "executed_won": executed,
            "assessed_at": assessed_at,
            "execution_rate": rate_out,
            "expected_share": share_out,
            "ratio": ratio_out,
            "over_executed": over,
        }
    )
