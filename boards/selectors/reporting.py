"""Reporting completeness and timeliness: per programme, whether the report of its current period
was approved, and submitted on time (one query, hash joins only, whatever the number of
programmes)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection

from boards.cache import cached
from budget.models import BudgetNode, FiscalYear, Ministry
from programs.models import Frequency
from programs.periods import Period, is_overdue, period_containing
from programs.selectors import DEFAULT_GRACE_DAYS
from reporting.models import ReportStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


def current_periods(as_of: date) -> dict[str, Period]:
    """Per frequency, the latest reporting period that ended on or before ``as_of``."""
    out = {}
    for frequency in Frequency.values:
        period = period_containing(as_of, frequency)
        if period.end > as_of:
            period = period_containing(period.start - timedelta(days=1), frequency)
        out[frequency] = period
    return out


@dataclass
class ReportingStats:
    """For the current period (per programme, the latest period ended on or before the as-of
    date): programmes reporting in it, how many have an approved report (completeness), how many
    were first submitted by the due date (timeliness), how many have come due with no approved
    report (overdue)."""

    expected: int = 0
    approved: int = 0
    timely: int = 0
    overdue: int = 0
    # The approvals counted: those made by this date (the date the statuses beside these figures
    # were computed, so both count the same reports; see :func:`common.approvals_known_by`).
    known_by: date | None = None

    @property
    def completeness(self) -> Decimal | None:
        return Decimal(self.approved) / self.expected if self.expected else None

    @property
    def timeliness(self) -> Decimal | None:
        return Decimal(self.timely) / self.expected if self.expected else None

    def add(self, other: ReportingStats) -> None:
        self.expected += other.expected
        self.approved += other.approved
        self.timely += other.timely
        self.overdue += other.overdue
        if other.known_by is not None:
            self.known_by = max(self.known_by or other.known_by, other.known_by)


@dataclass
class ReportingRow:
    """One programme's current period: its end, due date and what had happened by the as-of
    date."""

    program_id: int
    ministry_id: int
    current_end: date
    due: date
    approved: bool
    timely: bool
    as_of: date

    @property
    def overdue(self) -> bool:
        return not self.approved and is_overdue(self.due, self.as_of)


REPORTING_SQL = """
WITH reports AS (
    SELECT r.program_id, r.period_end,
           bool_or(r.status = %(approved)s
                   AND (r.approved_at AT TIME ZONE %(tz)s)::date <= %(known_by)s) AS approved,
           min(coalesce(r.submitted_at, r.approved_at)) AS first_submitted
      FROM reporting_progressreport r
     WHERE r.period_end = ANY(%(ends)s)
     GROUP BY r.program_id, r.period_end
), grace AS (
    SELECT program_id, min(grace_days) AS grace_days, max(target_date) AS last_target
      FROM kpis_kpi GROUP BY program_id
), current AS (
    -- A programme reports until the later of its end and its KPIs' target dates.
    SELECT p.id, p.ministry_id, p.start, greatest(p."end", g.last_target) AS "end", n.path,
           CASE p.frequency {end_cases} END AS current_end,
           CASE p.frequency {start_cases} END AS current_start,
           coalesce(g.grace_days, %(default_grace)s) AS grace_days
      FROM programs_program p
      JOIN budget_budgetnode n ON n.program_id = p.id
      LEFT JOIN grace g ON g.program_id = p.id
     WHERE n.fiscal_year_id = %(fiscal_year)s {scope}
)
SELECT c.id, c.ministry_id, c.current_end, c.current_end + c.grace_days AS due,
       coalesce(r.approved, false) AS approved,
       coalesce((r.first_submitted AT TIME ZONE %(tz)s)::date
                <= least(c.current_end + c.grace_days, %(known_by)s::date), false) AS timely
  FROM current c
  LEFT JOIN reports r ON r.program_id = c.id AND r.period_end = c.current_end
 WHERE c.start <= c.current_end AND c."end" >= c.current_start
"""


def _reporting_query(
    *,
    as_of: date,
    fiscal_year: FiscalYear,
    ministry: Ministry | None,
    node: BudgetNode | None,
    known_by: date | None = None,
) -> list[tuple[Any, ...]]:
    """Per programme reporting in its current period (the latest period that ended on or before
    ``as_of``, ``programs.periods``), comes due at its end plus the smallest grace days of its
    KPIs (``programs.selectors.program_grace_days``): whether a report for it was approved by
    ``known_by`` (default ``as_of``: the date the statuses shown beside were computed, so that
    both count the same approvals), and whether it was submitted by the due date (and by
    ``known_by``): the earliest
    ``submitted_at`` of its revisions (a report returned and submitted again late counts as
    late). One query, hash joins only, whatever the number of programmes; the rows are cached
    under the version of the data (``boards.cache``), so a read repeated before any change costs
    no query of its own."""
    periods = current_periods(as_of)
    params: dict[str, Any] = {
        "approved": ReportStatus.APPROVED,
        "tz": settings.TIME_ZONE,
        "as_of": as_of,
        "known_by": known_by or as_of,
        "ends": sorted({p.end for p in periods.values()}),
        "default_grace": DEFAULT_GRACE_DAYS,
        "fiscal_year": fiscal_year.pk,
    }
    end_cases, start_cases = [], []
    for i, (frequency, period) in enumerate(sorted(periods.items())):
        params[f"f{i}"], params[f"e{i}"], params[f"s{i}"] = frequency, period.end, period.start
        end_cases.append(f"WHEN %(f{i})s THEN %(e{i})s::date")
        start_cases.append(f"WHEN %(f{i})s THEN %(s{i})s::date")
    scope = ""
    if ministry is not None:
        scope += " AND p.ministry_id = %(ministry)s"
        params["ministry"] = ministry.pk
    if node is not None:
        scope += " AND (n.path = %(path)s OR n.path LIKE %(path_prefix)s)"
        params["path"] = node.path
        params["path_prefix"] = node.path.replace("%", r"\%").replace("_", r"\_") + "/%"
    sql = REPORTING_SQL.format(
        end_cases=" ".join(end_cases), start_cases=" ".join(start_cases), scope=scope
    )

    def compute() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]

    return cached("reporting", (sql, sorted(params.items())), compute)


def reporting_rows(
    *,
    as_of: date,
    fiscal_year: FiscalYear,
    ministry: Ministry | None = None,
    node: BudgetNode | None = None,
    known_by: date | None = None,
) -> list[ReportingRow]:
    """Per programme reporting in its current period (see :func:`_reporting_query`)."""
    rows = _reporting_query(
        as_of=as_of, fiscal_year=fiscal_year, ministry=ministry, node=node, known_by=known_by
    )
    return [
        ReportingRow(pid, mid, end, due, bool(approved), bool(timely), as_of)
        for pid, mid, end, due, approved, timely in rows
    ]


def reporting_by_ministry(
    *,
    as_of: date,
    fiscal_year: FiscalYear,
    ministry: Ministry | None = None,
    node: BudgetNode | None = None,
    known_by: date | None = None,
) -> dict[int, ReportingStats]:
    """:class:`ReportingStats` per ministry id, counted from :func:`reporting_rows` (so
    "overdue" has its one definition, ``programs.periods.is_overdue``); cached, like the rows,
    under the version of the data (``boards.cache``): a board counts ten thousand rows."""

    def compute() -> dict[int, ReportingStats]:
        out: dict[int, ReportingStats] = {}
        rows = reporting_rows(
            as_of=as_of, fiscal_year=fiscal_year, ministry=ministry, node=node, known_by=known_by
        )
        for row in rows:
            stats = out.setdefault(row.ministry_id, ReportingStats(known_by=known_by or as_of))
            stats.add(ReportingStats(1, int(row.approved), int(row.timely), int(row.overdue)))
        return out

    scope = (ministry.pk if ministry else None, node.path if node else None)
    return cached("reporting_by_ministry", (as_of, fiscal_year.pk, *scope, known_by), compute)


def total(stats: Iterable[ReportingStats], known_by: date | None = None) -> ReportingStats:
    out = ReportingStats(known_by=known_by)
    for s in stats:
        out.add(s)
    return out
