"""Sample progress for the shipped 2026 budget: for its programmes only, never for another
budget's.

Every programme of the shipped year gets reports for the periods that have ended by today (at most
the last four), written through the reporting services exactly as an officer and the reviewer would:
a mix of programmes ahead of, near, behind and far behind their expected trajectory, one waiting for
review, one returned with a comment, one with a draft, and some with nothing reported. Idempotent:
a programme and period that already has a report is left alone. A KPI that falls short of its
expected value (reporting/shortfalls.py) is given a sample shortfall reason and remedy, as a
year-end report must.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from audit.context import audit_context
from budget.models import FiscalYear
from kpis.kinds import Actual, kind_of
from kpis.models import KPI
from programs.models import Program
from programs.selectors import program_reporting_periods
from reporting.expected import expected_value
from reporting.models import ProgressReport
from reporting.services import (
    report_approve,
    report_create_draft,
    report_return,
    report_submit,
)
from reporting.shortfalls import report_standings
from status.rules import day_of_year, days_in_year

SHIPPED_YEAR = 2026
SHIPPED_ROOT = "AI-2026"
MAX_PERIODS = 4

# Programme i (in tree order) follows scenario i % len(SCENARIOS): a pace factor against the
# expected trajectory and what happens to the latest period's report.
SCENARIOS: list[tuple[Decimal | None, str]] = [
    (Decimal("1.05"), "approved"),
    (Decimal("0.95"), "approved"),
    (Decimal("0.82"), "approved"),
    (Decimal("0.60"), "approved"),
    (Decimal("1.00"), "submitted"),
    (Decimal("0.90"), "returned"),
    (None, "none"),
    (Decimal("0.97"), "draft"),
]


SAMPLE_SHORTFALL = {
    "reason": "Procurement and hiring started later than planned.",
    "remedy": "Contracts are signed; the remaining work is scheduled for the next period.",
}


def _quantum(kpi: KPI) -> Decimal:
    whole = kpi.target == kpi.target.to_integral_value() and abs(kpi.target) >= 10
    return Decimal("1") if whole else Decimal("0.01")


def _expected(kpi: KPI, program: Program, day: date) -> Decimal:
    value = expected_value(kpi, day, start=program.start)
    return value if value is not None else kpi.baseline


def _kpi_value(
    kpi: KPI, program: Program, end: date, prev_end: date | None, factor: Decimal
) -> Decimal:
    quantum = _quantum(kpi)
    kind = kind_of(kpi.kind)
    if kind.actual == Actual.LATEST:  # the value at the period end
        value = kpi.baseline + (_expected(kpi, program, end) - kpi.baseline) * factor
        return value.quantize(quantum)
    if kind.yearly:  # the period's share of the year's target

        def year_share(day: date | None) -> Decimal:
            if day is None or day.year != end.year:
                return Decimal(0)
            return Decimal(day_of_year(day)) / Decimal(days_in_year(day))

        amount = kpi.target * (year_share(end) - year_share(prev_end)) * factor
        return max(Decimal(0), amount.quantize(quantum))
    before = _expected(kpi, program, prev_end) if prev_end else kpi.baseline
    amount = (_expected(kpi, program, end) - before) * factor
    return max(Decimal(0), amount.quantize(quantum))


def _executed(program: Program, end: date, prev_end: date | None, factor: Decimal) -> int:
    def share(day: date | None) -> Decimal:
        if day is None or day.year != end.year:
            return Decimal(0)
        return Decimal(day_of_year(day)) / Decimal(days_in_year(day))

    pace = min(factor, Decimal("1"))
    allocated = program.allocated_won  # type: ignore[attr-defined]
    return int(Decimal(allocated) * (share(end) - share(prev_end)) * pace)


@transaction.atomic
def demo_progress_seed(*, today: date | None = None) -> int:
    """Create the sample reports; returns how many were created."""
    today = today or timezone.localdate()
    reviewer = User.objects.filter(username="reviewer").first()
    shipped = FiscalYear.objects.filter(
        year=SHIPPED_YEAR, nodes__code=SHIPPED_ROOT, nodes__parent__isnull=True
    ).first()
    if shipped is None:
        return 0
    programs = list(
        Program.objects.filter(allocations__fiscal_year=shipped)
        .annotate(allocated_won=F("allocations__amount_won"), tree_path=F("allocations__path"))
        .select_related("ministry")
        .prefetch_related("kpis__milestones")
        .order_by("tree_path")
    )
    if reviewer is None or not programs:
        return 0
    officers = {u.ministry_id: u for u in User.objects.filter(username__startswith="officer-")}
    existing = set(
        ProgressReport.objects.filter(program__in=programs).values_list("program_id", "period_end")
    )
    created = 0
    with audit_context(actor=None, source="command:seed_demo"):
        for index, program in enumerate(programs):
            factor, latest_fate = SCENARIOS[index % len(SCENARIOS)]
            officer = officers.get(program.ministry_id)
            kpis = list(program.kpis.all())
            if factor is None or officer is None or not kpis:
                continue
            periods = [
                p for p in program_reporting_periods(program) if p.end + timedelta(days=1) <= today
            ][-MAX_PERIODS:]
            prev_end: date | None = None
            for number, period in enumerate(periods):
                is_latest = number == len(periods) - 1
                fate = latest_fate if is_latest else "approved"
                if (program.pk, period.end) in existing:
                    prev_end = period.end
                    continue
                amounts = {
                    kpi: _kpi_value(kpi, program, period.end, prev_end, factor) for kpi in kpis
                }
                values = {kpi.code: str(value) for kpi, value in amounts.items()}
                standings = report_standings(
                    program, period.end, {kpi.pk: value for kpi, value in amounts.items()}
                )
                shortfalls = {
                    kpi.code: SAMPLE_SHORTFALL
                    for kpi in kpis
                    if kpi.pk in standings and standings[kpi.pk].falls_short
                }
                report = report_create_draft(
                    user=officer,
                    program=program,
                    period_end=period.end,
                    values=values,
                    executed_won=_executed(program, period.end, prev_end, factor),
                    narrative=f"Sample progress for {period.label(program.frequency)}.",
                    shortfalls=shortfalls,
                )
                created += 1
                prev_end = period.end
                if fate == "draft":
                    continue
                report = report_submit(user=officer, report=report)
                if fate == "submitted":
                    continue
                if fate == "returned":
                    report_return(
                        user=reviewer,
                        report=report,
                        comment="Please attach the procurement evidence for this quarter.",
                    )
                    continue
                report_approve(user=reviewer, report=report)
    return created
