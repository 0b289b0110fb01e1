"""The programmes table (``/programs/`` and its exports): the stored programme rows with their
joins and sort keys, a page of them, and the KPI flags (overdue, forecast to miss) of the rows
shown."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)

from boards.selectors.common import ATTENTION_STATUSES, SEVERITY
from budget.models import FiscalYear
from programs.selectors import program_scope_q
from status.models import KPIStatus, ProgramStatus, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


def _flagged_programs(as_of: date, field_name: str) -> Any:
    """Programme ids with a KPI flagged ``field_name`` on ``as_of``: used as an uncorrelated
    ``IN``, which PostgreSQL hashes once, for filters and sorts over every row."""
    return KPIStatus.objects.filter(as_of=as_of, **{field_name: True}).values("kpi__program_id")


def flag_in(as_of: date, field_name: str) -> Case:
    """True/False per row, for sorting every row by a KPI flag (one hashed ``IN``)."""
    return Case(
        When(program_id__in=_flagged_programs(as_of, field_name), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


# The programmes table's default order (the budget tree's).
TREE_ORDER = ("node__path",)


def program_rows(
    *,
    as_of: date,
    fiscal_year: FiscalYear,
    user: AnyUser | None = None,
    only_year: bool = False,
) -> QuerySet[ProgramStatus]:
    """The stored programme results of ``as_of`` with programme, node and ministry, aliased
    ``severity`` (for sorting), in tree order. Scoped to ``user`` when given. ``only_year``: the
    fiscal year is the only one stored, so its filter (a join) is left out. The KPI flags of the
    rows shown come from :func:`kpi_flags` (one query for a page)."""
    qs = ProgramStatus.objects.filter(as_of=as_of)
    if not only_year:
        qs = qs.filter(node__fiscal_year=fiscal_year)
    if user is not None:
        qs = qs.filter(program_scope_q(user, prefix="program__"))
    return (
        qs.select_related("program", "node", "program__ministry")
        .alias(
            severity=Case(
                *[When(status=s, then=Value(rank)) for s, rank in SEVERITY.items()],
                default=Value(len(SEVERITY)),
                output_field=IntegerField(),
            ),
        )
        .order_by(*TREE_ORDER)
    )


def program_page(page: QuerySet[ProgramStatus], *, as_of: date) -> list[ProgramStatus]:
    """The rows of one page of the programmes table, ``page`` being the filtered, ordered and
    sliced rows (:func:`program_rows`): the first page in tree order is read as it is (PostgreSQL
    walks the path index and stops after a page: one query); any other page or order in two
    queries: the ids of the page, ordered and sliced in a narrow query (no wide rows to sort, so
    a late page or a sort over every row stays in memory, and nothing is joined that is not
    sorted or filtered on), then the rows of those ids whole."""
    if page.query.low_mark == 0 and tuple(page.query.order_by) == TREE_ORDER:
        return list(page)
    ids = list(page.values_list("program_id", flat=True))
    by_program = {
        row.program_id: row
        for row in ProgramStatus.objects.filter(as_of=as_of, program_id__in=ids)
        .select_related("program", "node", "program__ministry")
        .order_by()
    }
    return [by_program[program_id] for program_id in ids]


KPI_FLAGS_SQL = """
SELECT k.program_id, s.overdue, s.forecast_miss
  FROM status_kpistatus s JOIN kpis_kpi k ON k.id = s.kpi_id
 WHERE s.as_of = %s AND (s.overdue OR s.forecast_miss)"""


def kpi_flags(as_of: date, program_ids: Iterable[int] | None = None) -> dict[int, set[str]]:
    """Programme id -> the flags ("overdue", "forecast_miss") any of its KPIs carries on
    ``as_of`` (one query; all programmes when ``program_ids`` is None). On PostgreSQL in plain
    SQL with the ids as one array parameter: for a page of the table, building the ORM query cost
    more than running it."""
    sql = KPI_FLAGS_SQL
    params: list[Any] = [as_of]
    if program_ids is not None:
        sql += " AND k.program_id = ANY(%s)"
        params.append(list(program_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        flagged = cursor.fetchall()
    out: dict[int, set[str]] = defaultdict(set)
    for program_id, overdue, forecast_miss in flagged:
        if overdue:
            out[program_id].add("overdue")
        if forecast_miss:
            out[program_id].add("forecast_miss")
    return out


def overdue_q(as_of: date) -> Q:
    """Overdue: a KPI's latest come-due period has no approved value (the stored ``overdue``
    flag), or no value at all though a report has come due (``no_data``)."""
    return Q(program_id__in=_flagged_programs(as_of, "overdue")) | Q(status=Status.NO_DATA)


def forecast_miss_q(as_of: date) -> Q:
    return Q(program_id__in=_flagged_programs(as_of, "forecast_miss"))


def attention_q(as_of: date) -> Q:
    """Off track, at risk, overdue, or forecast to miss its target: ``overdue_q`` or
    ``forecast_miss_q`` or an attention status (``no_data`` is one), with one hashed ``IN`` over
    the KPIs carrying either flag."""
    flagged = (
        KPIStatus.objects.filter(as_of=as_of)
        .filter(Q(overdue=True) | Q(forecast_miss=True))
        .values("kpi__program_id")
    )
    return Q(status__in=ATTENTION_STATUSES) | Q(program_id__in=flagged)
