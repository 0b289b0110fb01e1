"""The ministries page and one ministry's: reporting and status mix per ministry, and the
reports that have come due unapproved."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    Sum,
)

from boards.selectors.mix import StatusMix
from boards.selectors.reporting import ReportingStats, reporting_by_ministry, reporting_rows
from budget.models import FiscalYear, Ministry
from programs.models import Program
from status.models import ProgramStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


@dataclass
class MinistryLine:
    ministry: Ministry
    reporting: ReportingStats
    mix: StatusMix


def ministry_lines(*, as_of: date, fiscal_year: FiscalYear) -> list[MinistryLine]:
    """Every ministry with programmes in the fiscal year: reporting and status mix (two queries
    and the reporting figures: see :func:`reporting.reporting_by_ministry`)."""
    reporting = reporting_by_ministry(as_of=as_of, fiscal_year=fiscal_year)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    amounts: dict[int, dict[str, int]] = defaultdict(dict)
    for r in (
        ProgramStatus.objects.filter(as_of=as_of, node__fiscal_year=fiscal_year)
        .order_by()
        .values("program__ministry_id", "status")
        .annotate(n=Count("pk"), won=Sum("allocated_won"))
    ):
        counts[r["program__ministry_id"]][r["status"]] = r["n"]
        amounts[r["program__ministry_id"]][r["status"]] = int(r["won"] or 0)
    ministries = Ministry.objects.filter(pk__in=set(counts) | set(reporting)).order_by("code")
    return [
        MinistryLine(
            m, reporting.get(m.pk, ReportingStats()), StatusMix(counts[m.pk], amounts[m.pk])
        )
        for m in ministries
    ]


@dataclass
class OverdueReport:
    program: Program
    current_end: date
    due: date


def overdue_reports(
    *, as_of: date, fiscal_year: FiscalYear, ministry: Ministry
) -> list[OverdueReport]:
    """The ministry's programmes whose current-period report has come due unapproved (one
    query and the reporting rows: see :func:`reporting.reporting_rows`)."""
    rows = [
        r
        for r in reporting_rows(as_of=as_of, fiscal_year=fiscal_year, ministry=ministry)
        if r.overdue
    ]
    programs = Program.objects.in_bulk([r.program_id for r in rows])
    out = [OverdueReport(programs[r.program_id], r.current_end, r.due) for r in rows]
    return sorted(out, key=lambda o: (o.due, o.program.code))
