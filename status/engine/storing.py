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


# COPY's text format: fields separated by tabs, rows ended by newlines, NULL as \N, and a
# backslash, newline, carriage return or tab inside a field escaped with a backslash.
_SPECIAL = ("\\", "\n", "\r", "\t")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def _copy_field(value: Any) -> str:
    """One field in COPY's text format (JSON columns hold dicts)."""
    kind = type(value)
    if value is None:
        return "\\N"
    if kind is bool:
        return "t" if value else "f"
    if kind is int or kind is Decimal:
        return str(value)
    if kind is date or kind is datetime:
        return value.isoformat()
    if kind is dict:
        return _escape(json.dumps(value))
    if kind is str:
        return _escape(value)
    raise TypeError(f"a stored row holds no {kind.__name__}")


def _copy_column(values: Sequence[Any]) -> Sequence[str]:
    """A column of rows in COPY's text format: by the column's types, mostly in C, and each
    distinct date or time once (a recompute's rows share a few dates and one ``computed_at``)."""
    kinds = set(map(type, values))
    texts: Sequence[str]
    if kinds <= {int, Decimal}:
        return list(map(str, values))
    if kinds <= {date, datetime, type(None)}:
        text_of = {value: _copy_field(value) for value in set(values)}
        return list(map(text_of.__getitem__, values))
    if kinds == {bool}:
        return ["t" if value else "f" for value in values]
    if kinds <= {int, Decimal, type(None)}:
        return ["\\N" if value is None else str(value) for value in values]
    if kinds == {str}:
        texts = values
    elif kinds == {dict}:
        texts = list(map(json.dumps, values))
    else:
        return list(map(_copy_field, values))
    joined = "".join(texts)
    if any(c in joined for c in _SPECIAL):
        return list(map(_escape, texts))
    return texts


def encode_rows(rows: Sequence[Sequence[Any]]) -> bytes:
    """Rows in COPY's text format, UTF-8, column by column."""
    if not rows:
        return b""
    columns = [_copy_column(column) for column in zip(*rows, strict=True)]
    return ("\n".join(map("\t".join, zip(*columns, strict=True))) + "\n").encode()


@dataclass
class Rows:
    """Rows to write, tuples of (object id, as_of, *fields): as tuples, or already in COPY's text
    format (``encode``; rows assessed in another process travel so, see status.engine.parallel)."""

    tuples: list[tuple[Any, ...]] = field(default_factory=list)
    encoded: list[bytes] = field(default_factory=list)
    encoded_count: int = 0

    def __len__(self) -> int:
        return len(self.tuples) + self.encoded_count

    def append(self, row: tuple[Any, ...]) -> None:
        self.tuples.append(row)

    def extend(self, other: Rows) -> None:
        self.tuples += other.tuples
        self.encoded += other.encoded
        self.encoded_count += other.encoded_count

    def encode(self) -> None:
        """Turn the tuples into COPY text, in key order (two recomputes writing the same rows
        would lock them in the same order)."""
        if not self.tuples:
            return
        self.tuples.sort(key=_first)
        self.encoded.append(encode_rows(self.tuples))
        self.encoded_count += len(self.tuples)
        self.tuples = []


def _first(row: tuple[Any, ...]) -> Any:
    return row[0]


def upsert(
    model: type[models.Model],
    rows: Rows | list[tuple[Any, ...]],
    fields: list[str],
    *,
    replace: bool,
) -> None:
    """Write ``rows`` (see :class:`Rows`). Without ``replace`` (no row of these objects is stored
    for the date) straight into the table with COPY; should another recompute have inserted one
    meanwhile (none does under the date's lock), the COPY is undone and the rows go the other way,
    where the other's rows, which hold the same results, are kept. With ``replace`` (rows may be
    stored for the date already): COPY into a temporary table, then one INSERT ... SELECT ...
    ON CONFLICT (object, as_of) DO UPDATE, in key order."""
    if not isinstance(rows, Rows):
        rows = Rows(tuples=rows)
    if not len(rows):
        return
    rows.encode()
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
                _copy_in(table, columns, rows.encoded)
            return
        except IntegrityError:
            pass
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {temp} ON COMMIT DROP AS "
            f"SELECT {quoted} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {temp}")
    _copy_in(temp, columns, rows.encoded)
    with connection.cursor() as cursor:
        conflict = f"ON CONFLICT ({key}, as_of) DO NOTHING"
        if replace:
            conflict = f"ON CONFLICT ({key}, as_of) DO UPDATE SET {updates}"
        cursor.execute(
            f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM {temp} ORDER BY {key} {conflict}"
        )


def _copy_in(table: str, columns: list[str], encoded: list[bytes]) -> None:
    """COPY rows in COPY's text format (values for ``columns``) into ``table``."""
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with (
        connection.wrap_database_errors,  # as Django's errors (IntegrityError), like execute()
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy,
    ):
        for data in encoded:
            copy.write(data)


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
