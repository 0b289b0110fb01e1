"""The ministries page and one ministry's: reporting and status mix per ministry, and the
reports that have come due unapproved."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from boards.selectors.common import approvals_known_by, own_amounts
from boards.selectors.mix import StatusMix, mix_from_rows
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
    """Every ministry with programmes in the fiscal year: reporting and status mix, the money
    being the programmes' own (``common.own_amounts``), the reporting counting the approvals the
    statuses counted (``common.approvals_known_by``). Two queries, the programmes' own money and
    the reporting figures (see :func:`reporting.reporting_by_ministry`)."""
    own = own_amounts(fiscal_year)
    per_ministry: dict[int, list[tuple[int, str]]] = defaultdict(list)
    computed_at: datetime | None = None
    for program_id, ministry_id, status, computed in ProgramStatus.objects.filter(
        as_of=as_of, node__fiscal_year=fiscal_year
    ).values_list("program_id", "program__ministry_id", "status", "computed_at"):
        per_ministry[ministry_id].append((program_id, status))
        computed_at = computed if computed_at is None else max(computed_at, computed)
    known_by = approvals_known_by(as_of, computed_at)
    reporting = reporting_by_ministry(as_of=as_of, fiscal_year=fiscal_year, known_by=known_by)
    ministries = Ministry.objects.filter(pk__in=set(per_ministry) | set(reporting)).order_by("code")
    return [
        MinistryLine(
            m,
            reporting.get(m.pk, ReportingStats(known_by=known_by)),
            mix_from_rows(per_ministry.get(m.pk, []), own),
        )
        for m in ministries
    ]


@dataclass
class OverdueReport:
    program: Program
    current_end: date
    due: date


def overdue_reports(
    *, as_of: date, fiscal_year: FiscalYear, ministry: Ministry, known_by: date | None = None
) -> list[OverdueReport]:
    """The ministry's programmes whose current-period report has come due unapproved (by
    ``known_by``, default ``as_of``: see :func:`reporting.reporting_rows`); one query and the
    reporting rows."""
    rows = [
        r
        for r in reporting_rows(
            as_of=as_of, fiscal_year=fiscal_year, ministry=ministry, known_by=known_by
        )
        if r.overdue
    ]
    programs = Program.objects.in_bulk([r.program_id for r in rows])
    out = [OverdueReport(programs[r.program_id], r.current_end, r.due) for r in rows]
    return sorted(out, key=lambda o: (o.due, o.program.code))
