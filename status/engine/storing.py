"""Storing results: what is stored for a date, copying rows between dates, writing new rows.

Stored rows are keyed by (object, as_of). Rows whose fingerprint is the same as on another date
are copied server-side (INSERT ... SELECT); new results go by COPY straight into the table when
none of their objects has a row for the date, else through COPY into a temporary table and one
INSERT ... SELECT ... ON CONFLICT per table. Recomputes of a date hold the date's lock
(``recompute.lock_as_of``), so rows known to be new meet no conflict.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, models, transaction

from status import rules
from status.models import KPIStatus

KPI_FIELDS = [
    "status",
    "fingerprint",
    "computed_at",
    "explanation_key",
    "explanation_params",
    "expected",
    "actual",
    "ratio",
    "target",
    "target_date",
    "assessed_at",
    "overdue",
    "forecast_value",
    "forecast_date",
    "forecast_miss",
]
PROGRAM_FIELDS = [
    "status",
    "fingerprint",
    "computed_at",
    "explanation_key",
    "explanation_params",
    "node_id",
    "allocated_won",
    "executed_won",
    "execution_rate",
    "expected_share",
    "budget_ratio",
    "budget_status",
    "budget_assessed_at",
    "over_executed",
]
NODE_FIELDS = [
    "status",
    "fingerprint",
    "computed_at",
    "explanation_key",
    "explanation_params",
    "status_counts",
    "amount_by_status",
]


def key_column(model: type[models.Model]) -> str:
    """The column of the object a stored row is of (kpi_id, program_id, node_id)."""
    return next(f.attname for f in model._meta.concrete_fields if f.is_relation)


class StoredRow(NamedTuple):
    fingerprint: str
    status: str


@dataclass
class Stored:
    """The rows stored for the as-of date, and those of the donor date: the nearest stored date
    before it (else after it), whose rows are copied to the as-of date where the fingerprint is
    the same."""

    current: dict[int, StoredRow]
    donor_date: date | None = None
    donor: dict[int, StoredRow] = field(default_factory=dict)

    def plan(self, fingerprints: dict[int, str]) -> Plan:
        """Split the objects by their new fingerprints, in the order of ``fingerprints``."""
        plan = Plan()
        for object_id, fp in fingerprints.items():
            old = self.current.get(object_id)
            if old is not None and old.fingerprint == fp:
                plan.unchanged[object_id] = old.status
                continue
            other = self.donor.get(object_id)
            if other is not None and other.fingerprint == fp:
                plan.copy[object_id] = other.status
            else:
                plan.compute.append(object_id)
        return plan


@dataclass
class Plan:
    unchanged: dict[int, str] = field(default_factory=dict)  # stored for the date: {id: status}
    copy: dict[int, str] = field(default_factory=dict)  # to copy from the donor date
    compute: list[int] = field(default_factory=list)  # for the rules


_DONOR_DATE_SQL = """coalesce((SELECT max(as_of) FROM {table} WHERE as_of < %(as_of)s {ids}),
                (SELECT min(as_of) FROM {table} WHERE as_of > %(as_of)s {ids}))"""


def stored(
    model: type[models.Model], as_of: date, ids: Sequence[int] | None, *, with_donor: bool = True
) -> Stored:
    """The stored (fingerprint, status) of the objects (all when ``ids`` is None) for ``as_of``
    and, with ``with_donor``, for the donor date. One query."""
    table = model._meta.db_table
    key = key_column(model)
    id_filter = "" if ids is None else f"AND {key} = ANY(%(ids)s)"
    params: dict[str, Any] = {"as_of": as_of, "ids": list(ids or ())}
    dates = "%(as_of)s"
    if with_donor:
        dates += ", " + _DONOR_DATE_SQL.format(table=table, ids=id_filter)
    result = Stored(current={})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {key}, as_of, fingerprint, status FROM {table} "
            f"WHERE as_of IN ({dates}) {id_filter}",
            params,
        )
        for object_id, day, fp, status in cursor.fetchall():
            if day == as_of:
                result.current[object_id] = StoredRow(fp, status)
            else:
                result.donor_date = day
                result.donor[object_id] = StoredRow(fp, status)
    return result


def upsert(
    model: type[models.Model], rows: list[tuple[Any, ...]], fields: list[str], *, replace: bool
) -> None:
    """Write ``rows``, tuples of (object id, as_of, *fields), in key order (so two concurrent
    recomputes lock rows in the same order). Without ``replace`` (no row of these objects is
    stored for the date) straight into the table with COPY; should another recompute have
    inserted one meanwhile (none does under the date's lock), the COPY is undone and the rows go
    the other way, where the other's rows, which hold the same results, are kept. With
    ``replace`` (rows may be stored for the date already): COPY into a temporary table, then one
    INSERT ... SELECT ... ON CONFLICT (object, as_of) DO UPDATE."""
    if not rows:
        return
    rows.sort(key=lambda row: row[0])
    key = key_column(model)
    columns = [key, "as_of", *fields]
    table = model._meta.db_table
    temp = f"_in_{table}"
    quote = connection.ops.quote_name
    quoted = ", ".join(quote(c) for c in columns)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in fields)
    if not replace:
        try:
            with transaction.atomic():  # a savepoint, released at once
                _copy_in(model, table, columns, rows)
            return
        except IntegrityError:
            pass
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {temp} ON COMMIT DROP AS "
            f"SELECT {quoted} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {temp}")
    _copy_in(model, temp, columns, rows)
    with connection.cursor() as cursor:
        conflict = f"ON CONFLICT ({key}, as_of) DO NOTHING"
        if replace:
            conflict = f"ON CONFLICT ({key}, as_of) DO UPDATE SET {updates}"
        cursor.execute(
            f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM {temp} ORDER BY {key} {conflict}"
        )


def _copy_in(
    model: type[models.Model], table: str, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    """COPY ``rows`` (values for ``columns`` of ``model``) into ``table``."""
    json_positions = [
        i
        for i, c in enumerate(columns)
        if i and isinstance(model._meta.get_field(c), models.JSONField)
    ]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with (
        connection.wrap_database_errors,  # as Django's errors (IntegrityError), like execute()
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
    ):
        dumps = json.dumps
        for row in rows:
            if json_positions:
                values = list(row)
                for i in json_positions:
                    values[i] = dumps(values[i])
                copy.write_row(values)
            else:
                copy.write_row(row)


def copy_rows(
    model: type[models.Model],
    fields: list[str],
    *,
    source: date,
    to: date,
    now: datetime,
    replace: bool,
    only: Iterable[int] | None = None,
    all_but: Sequence[int] | None = None,
    owner: tuple[str, str] | None = None,
) -> int:
    """Copy the rows of the date ``source`` to the date ``to``, server-side (INSERT ... SELECT),
    with ``computed_at`` = now: those of the objects ``only``, or every row but those of the
    objects ``all_but`` (the nightly case: every row, with no join). With ``owner`` (table,
    column) the objects named are the rows' owners: the KPI rows of programmes are those whose
    KPI's ``program_id`` is named (``("kpis_kpi", "program_id")``). With ``replace``, rows already
    stored for ``to`` are replaced (in key order), else none may be stored yet. Returns the number
    of rows copied."""
    table = model._meta.db_table
    key = key_column(model)
    quote = connection.ops.quote_name
    columns = [key, "as_of", *fields]
    quoted = ", ".join(quote(c) for c in columns)
    selected = ", ".join(
        f"%({c})s" if c in ("as_of", "computed_at") else f"s.{quote(c)}" for c in columns
    )
    params: dict[str, Any] = {"as_of": to, "computed_at": now, "source": source}
    conflict = ""
    if replace:
        updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in fields)
        conflict = f"ORDER BY s.{key} ON CONFLICT ({key}, as_of) DO UPDATE SET {updates}"
    sql = f"INSERT INTO {table} ({quoted}) SELECT {selected} FROM {table} s"
    owned_by = f"s.{key}"
    if owner is not None:
        sql += f" JOIN {owner[0]} o ON o.id = s.{key}"
        owned_by = f"o.{owner[1]}"
    if all_but is not None:
        where = "WHERE s.as_of = %(source)s"
        if all_but:
            where += f" AND {owned_by} <> ALL(%(ids)s)"
            params["ids"] = list(all_but)
    else:
        ids = sorted(only or ())
        if not ids:
            return 0
        # A hash join with the ids (= ANY(ids) would scan the array for each row).
        sql += f" JOIN unnest(%(ids)s::bigint[]) AS copied(id) ON copied.id = {owned_by}"
        where = "WHERE s.as_of = %(source)s"
        params["ids"] = ids
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} {where} {conflict}", params)
        return int(cursor.rowcount)


_MISSING_KPI_ROWS_SQL = """
SELECT DISTINCT k.program_id
FROM kpis_kpi k
JOIN status_programstatus p ON p.program_id = k.program_id AND p.as_of = %(day)s
LEFT JOIN status_kpistatus s ON s.kpi_id = k.id AND s.as_of = %(day)s
WHERE s.id IS NULL {programs}
"""


def missing_kpi_rows(day: date, program_ids: Sequence[int] | None) -> set[int]:
    """The programmes with a row stored for ``day`` but not a row for each of their KPIs."""
    programs = "" if program_ids is None else "AND k.program_id = ANY(%(ids)s)"
    with connection.cursor() as cursor:
        cursor.execute(
            _MISSING_KPI_ROWS_SQL.format(programs=programs),
            {"day": day, "ids": list(program_ids or ())},
        )
        return {row[0] for row in cursor.fetchall()}


def count_kpi_rows(day: date, program_ids: Sequence[int] | None) -> int:
    """How many KPI rows are stored for ``day`` (of the given programmes' KPIs, when given)."""
    qs = KPIStatus.objects.filter(as_of=day)
    if program_ids is not None:
        qs = qs.filter(kpi__program_id__in=program_ids)
    return int(qs.count())


def has_rows(model: type[models.Model], as_of: date) -> bool:
    """Whether any row is stored for the date (else every row written is new)."""
    return bool(model._default_manager.filter(as_of=as_of).exists())


# Stored precision: values to 4 places, ratios to 6; None where a figure does not fit its column.
_Q4 = Decimal("0.0001")
_Q6 = Decimal("0.000001")
_MAX_VALUE = Decimal(10) ** 20
_MAX_RATIO = Decimal(10) ** 14


def stored_value(value: Decimal | None) -> Decimal | None:
    if value is None or abs(value) >= _MAX_VALUE:
        return None
    return value.quantize(_Q4)


def stored_ratio(value: Decimal | None) -> Decimal | None:
    if value is None or abs(value) >= _MAX_RATIO:
        return None
    return value.quantize(_Q6)


def kpi_row(
    kpi_id: int, as_of: date, fp: str, now: datetime, a: rules.KPIAssessment
) -> tuple[Any, ...]:
    """A KPIStatus row: (kpi_id, as_of, *KPI_FIELDS)."""
    return (
        kpi_id,
        as_of,
        str(a.status),
        fp,
        now,
        a.explanation.key,
        dict(a.explanation.params),
        stored_value(a.expected),
        stored_value(a.actual),
        stored_ratio(a.ratio),
        stored_value(a.target),
        a.target_date,
        a.assessed_at,
        a.overdue,
        stored_value(a.forecast_value),
        a.forecast_date,
        a.forecast_miss,
    )


def program_row(
    program_id: int,
    as_of: date,
    fp: str,
    now: datetime,
    rollup: rules.ProgramAssessment,
    budget: rules.BudgetAssessment | None,
    node_id: int | None,
) -> tuple[Any, ...]:
    """A ProgramStatus row: (program_id, as_of, *PROGRAM_FIELDS). ``budget`` is None when the
    budget year does not fund the programme (no node, no budget status)."""
    if budget is None:
        return (
            program_id,
            as_of,
            str(rollup.status),
            fp,
            now,
            rollup.explanation.key,
            dict(rollup.explanation.params),
            None,
            None,
            None,
            None,
            None,
            None,
            "",
            None,
            False,
        )
    return (
        program_id,
        as_of,
        str(rollup.status),
        fp,
        now,
        rollup.explanation.key,
        {**rollup.explanation.params, "budget": budget.explanation.as_dict()},
        node_id,
        budget.allocated_won,
        budget.executed_won if budget.assessed_at else None,
        stored_ratio(budget.execution_rate),
        stored_ratio(budget.expected_share),
        stored_ratio(budget.ratio),
        str(budget.status),
        budget.assessed_at,
        budget.over_executed,
    )


def node_row(
    node_id: int, as_of: date, fp: str, now: datetime, rollup: rules.NodeRollup
) -> tuple[Any, ...]:
    """A NodeStatus row: (node_id, as_of, *NODE_FIELDS)."""
    return (
        node_id,
        as_of,
        str(rollup.status),
        fp,
        now,
        rollup.explanation.key,
        dict(rollup.explanation.params),
        dict(rollup.status_counts),
        dict(rollup.amount_by_status),
    )
