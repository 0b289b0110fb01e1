"""Loading the engine's inputs: set-based, one query per kind of input, rows as named tuples.

The programmes (with their node and money in the budget year assessed), their KPI definitions,
milestones and target revisions, and, for the programmes the rules assess, the approved values
(one row per KPI: its periods and values as two arrays) and the approved reports. Only the
current approved revision of a period counts (``is_current``), and only periods ended on or
before the as-of date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection

from budget.models import BudgetNode, FiscalYear
from kpis.models import VALUE_DIGITS, Milestone, TargetRevision
from programs.models import Program
from status import rules


@dataclass
class ProgramInputs:
    """One programme as the engine sees it."""

    id: int
    start: date
    end: date
    frequency: str
    # The budget year assessed, and the programme's node (allocation) in it: None when that year
    # does not fund the programme.
    fiscal_year: int
    node_id: int | None = None
    allocated_won: int | None = None
    # The smallest grace period of its KPIs (the budget's come-due rule), set by the fingerprints.
    grace_days: int = rules.DEFAULT_GRACE_DAYS
    _facts: rules.ProgramFacts | None = field(default=None, repr=False)

    def facts(self) -> rules.ProgramFacts:
        if self._facts is None:
            self._facts = rules.ProgramFacts(
                start=self.start, end=self.end, frequency=self.frequency
            )
        return self._facts


class KPIDefinition(NamedTuple):
    id: int
    program_id: int
    code: str
    kind: str
    direction: str
    baseline: Decimal
    target: Decimal
    target_date: date
    grace_days: int
    on_track_threshold: Decimal | None
    at_risk_threshold: Decimal | None


class MilestoneRow(NamedTuple):
    kpi_id: int
    date: date
    value: Decimal


class RevisionRow(NamedTuple):
    """A target revision: in force from ``effective_from``; ``previous`` and ``revised`` are the
    target snapshots before and after it."""

    kpi_id: int
    effective_from: date
    previous: dict[str, Any]
    revised: dict[str, Any]


# What a programme's KPIs had in force before and after each revision, per programme.
Milestones = dict[int, list[MilestoneRow]]
Revisions = dict[int, list[RevisionRow]]
# (period end, value) per KPI; (period end, executed won) per programme.
Values = dict[int, list[tuple[date, Decimal]]]
Reports = dict[int, list[tuple[date, int | None]]]
# (period end, value) per KPI, each value an integer numerator over VALUE_DENOMINATOR: the form the
# engine passes the rules (``rules.assess_kpi(..., value_denominator=...)``), exact, since a value
# has at most VALUE_DIGITS decimal places, and with no Decimal per value.
Numerators = dict[int, list[tuple[date, int]]]
VALUE_DENOMINATOR = 10 ** VALUE_DIGITS["decimal_places"]


def programs_filter(
    program_ids: Sequence[int] | None, column: str = "r.program_id", keyword: str = "AND"
) -> tuple[str, list[Any]]:
    """The SQL condition that keeps the rows of ``program_ids`` (none when None: every
    programme) on ``column``, and its parameters."""
    if program_ids is None:
        return "", []
    return f"{keyword} {column} = ANY(%s)", [list(program_ids)]


def _in(prefix: str, program_ids: Sequence[int] | None) -> dict[str, Any]:
    return {} if program_ids is None else {f"{prefix}__in": program_ids}


def load_programs(
    program_ids: Iterable[int] | None, budget_year: FiscalYear | None
) -> dict[int, ProgramInputs]:
    """The programmes (all when ``program_ids`` is None), by id, in id order, each with its node in
    ``budget_year`` (none when no year is loaded)."""
    qs = Program.objects.all()
    if program_ids is not None:
        qs = qs.filter(id__in=list(program_ids))
    year = budget_year.year if budget_year else 0
    rows = qs.values_list("id", "start", "end", "frequency").order_by("id")
    programs = {row[0]: ProgramInputs(*row, fiscal_year=year) for row in rows}
    if budget_year is not None:
        nodes = BudgetNode.objects.filter(fiscal_year=budget_year, program_id__isnull=False)
        if program_ids is not None:
            nodes = nodes.filter(program_id__in=list(programs))
        for program_id, node_id, amount in nodes.values_list("program_id", "id", "amount_won"):
            if program_id in programs:
                programs[program_id].node_id = node_id
                programs[program_id].allocated_won = amount
    return programs


_KPIS_SQL = "SELECT {columns}{extra} FROM kpis_kpi k {programs} ORDER BY k.id"


def fetch_kpis(program_ids: Sequence[int] | None, *, extra: str = "") -> list[tuple[Any, ...]]:
    """The programmes' KPI definitions as rows of :class:`KPIDefinition`'s fields, in KPI id
    order, each followed by the SQL expression ``extra`` (over ``k``) when one is given."""
    programs, params = programs_filter(program_ids, "k.program_id", "WHERE")
    columns = ", ".join(f"k.{name}" for name in KPIDefinition._fields)
    sql = _KPIS_SQL.format(columns=columns, extra=f", {extra}" if extra else "", programs=programs)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def load_kpis(program_ids: Sequence[int] | None) -> dict[int, list[KPIDefinition]]:
    """The KPI definitions of the programmes, per programme, in KPI id order."""
    out: dict[int, list[KPIDefinition]] = defaultdict(list)
    for row in fetch_kpis(program_ids):
        kpi = KPIDefinition(*row)
        out[kpi.program_id].append(kpi)
    return out


def load_milestones(program_ids: Sequence[int] | None) -> Milestones:
    """Milestones per programme, by KPI and date."""
    rows = (
        Milestone.objects.filter(**_in("kpi__program_id", program_ids))
        .order_by("kpi__program_id", "kpi_id", "date")
        .values_list("kpi__program_id", *MilestoneRow._fields)
    )
    out: Milestones = defaultdict(list)
    for program_id, *rest in rows:
        out[program_id].append(MilestoneRow(*rest))
    return out


def load_revisions(program_ids: Sequence[int] | None) -> Revisions:
    """Target revisions per programme, by KPI in the order they were recorded."""
    rows = (
        TargetRevision.objects.filter(**_in("kpi__program_id", program_ids))
        .order_by("kpi__program_id", "kpi_id", "created_at", "id")
        .values_list("kpi__program_id", *RevisionRow._fields)
    )
    out: Revisions = defaultdict(list)
    for program_id, *rest in rows:
        out[program_id].append(RevisionRow(*rest))
    return out


_VALUES_SQL = """
SELECT v.kpi_id, array_agg(r.period_end), array_agg({value})
FROM reporting_kpivalue v
JOIN reporting_progressreport r ON r.id = v.report_id
WHERE r.is_current AND r.period_end <= %s {programs}
GROUP BY v.kpi_id
"""

# A value as its integer numerator over VALUE_DENOMINATOR, computed by PostgreSQL; NULL for a
# value whose numerator would not fit 64 bits (beyond about 9.2 x 10^14 in size).
NUMERATOR_SQL = (
    f"CASE WHEN abs(v.value) < {(2**63 - 1) // VALUE_DENOMINATOR} "
    f"THEN (v.value * {VALUE_DENOMINATOR})::int8 END"
)


def fetch_numerators(sql: str, params: Sequence[Any], *, column: int) -> list[tuple[Any, ...]]:
    """The rows of a values query whose ``{value}`` is aggregated into column ``column``, each
    value as its integer numerator over VALUE_DENOMINATOR (one 64-bit integer). When a value is
    too large for that (NULL), the query runs again with the decimals, converted here, exactly."""
    with connection.cursor() as cursor:
        cursor.execute(sql.format(value=NUMERATOR_SQL), params)
        rows = cursor.fetchall()
        if not any(None in row[column] for row in rows):
            return rows
        cursor.execute(sql.format(value="v.value"), params)
        return [
            (*row[:column], [numerator(value) for value in row[column]], *row[column + 1 :])
            for row in cursor.fetchall()
        ]


def numerator(value: Decimal) -> int:
    """A stored value's integer numerator over VALUE_DENOMINATOR."""
    num, den = value.as_integer_ratio()
    return num * (VALUE_DENOMINATOR // den)


def _values_sql(program_ids: Sequence[int] | None, as_of: date) -> tuple[str, list[Any]]:
    programs, params = programs_filter(program_ids)
    return _VALUES_SQL.replace("{programs}", programs), [as_of, *params]


def load_values(program_ids: Sequence[int] | None, as_of: date) -> Values:
    """Approved values counted on ``as_of``, per KPI, as ``(period_end, value)`` tuples in no
    particular order (the rules sort them). One row per KPI with its periods and values as two
    arrays: up to a million values with no per-value row."""
    sql, params = _values_sql(program_ids, as_of)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(value="v.value"), params)
        return {
            kpi_id: list(zip(ends, values, strict=True))
            for kpi_id, ends, values in cursor.fetchall()
        }


def load_numerators(program_ids: Sequence[int] | None, as_of: date) -> Numerators:
    """:func:`load_values`, each value as its numerator over VALUE_DENOMINATOR (the engine's)."""
    sql, params = _values_sql(program_ids, as_of)
    return {
        kpi_id: list(zip(ends, values, strict=True))
        for kpi_id, ends, values in fetch_numerators(sql, params, column=2)
    }


_REPORTS_SQL = """
SELECT r.program_id, r.period_end, r.executed_won{extra}
FROM reporting_progressreport r
WHERE r.is_current AND r.period_end <= %s {programs}
ORDER BY r.program_id, r.period_end
"""


def fetch_reports(
    program_ids: Sequence[int] | None, as_of: date, *, extra: str = ""
) -> list[tuple[Any, ...]]:
    """The approved reports counted on ``as_of`` as rows ``(program_id, period_end,
    executed_won)`` in programme and period order, each followed by the SQL expression ``extra``
    (over ``r``) when one is given: one plain query, up to a few hundred thousand rows."""
    programs, params = programs_filter(program_ids)
    sql = _REPORTS_SQL.format(extra=f", {extra}" if extra else "", programs=programs)
    with connection.cursor() as cursor:
        cursor.execute(sql, [as_of, *params])
        return cursor.fetchall()


def load_reports(program_ids: Sequence[int] | None, as_of: date) -> Reports:
    """Approved reports counted on ``as_of``, per programme, as ``(period_end, executed_won)``
    in period order."""
    out: Reports = defaultdict(list)
    for program_id, period_end, executed in fetch_reports(program_ids, as_of):
        out[program_id].append((period_end, executed))
    return out


def target_versions(
    kpi: KPIDefinition, milestones: Sequence[MilestoneRow], revisions: Sequence[RevisionRow]
) -> tuple[rules.TargetVersion, ...]:
    """The KPI's target versions, by the rules' own ``versions_from_revisions``: ``kpi`` and
    ``milestones`` hold the values in force now, ``revisions`` those before and after each
    revision, in recorded order."""
    current = rules.TargetVersion(
        target=kpi.target,
        target_date=kpi.target_date,
        baseline=kpi.baseline,
        milestones=tuple([rules.Milestone(date=m.date, value=m.value) for m in milestones])
        if milestones
        else (),
    )
    if not revisions:
        return (current,)
    return rules.versions_from_revisions(
        current, [(r.effective_from, r.previous, r.revised) for r in revisions]
    )
