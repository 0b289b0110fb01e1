"""Status engine: computes and stores statuses (domain.md 3) with the pure rules in kpis/rules.py.

Public API (writes, keyword-only):

- ``status_recompute_all(*, as_of, fiscal_year=None) -> RecomputeSummary``
- ``status_recompute_program(*, program_id, as_of) -> RecomputeSummary`` (its KPIs, its
  programme row, then the budget nodes above it; programmes of the year never computed for that
  date are computed too, so the nodes roll up complete inputs)
- ``status_mark_stale(*, program_id, reason)`` (inside the caller's transaction)
- ``status_enqueue_recompute(*, program_id, reason)`` (the hook for approvals and revisions: the
  stale mark now, in the caller's transaction; the enqueue after commit)
- ``status_sweep_stale(*, as_of=None) -> list[int]`` (recomputes every stale programme)
- ``global_thresholds()`` (settings.STATUS_THRESHOLDS or the rules' 0.90 / 0.75)

How a recompute works. The programme is the unit of change. The inputs are loaded in a handful
of set-based queries; PostgreSQL digests, per programme and in one aggregate pass each, its KPIs'
definitions, its approved values and its reports (those of periods ended on or before the as-of
date). A programme's fingerprint covers those digests, its calendar, money, milestones and target
revisions, the global thresholds, the rules and storage versions, and, instead of the as-of date
itself, what the rules take from that date (``rules.as_of_key``: whether the programme has
started, how many periods have come due, which target version is in force). Its KPI rows carry
the same fingerprint. Each programme then falls in one of three cases:

- its fingerprint equals the one stored for the date: nothing is written;
- it equals the one stored for the donor date (the nearest stored date before, else after): its
  programme and KPI rows are copied server-side (INSERT ... SELECT; on the nightly recompute,
  where nothing changed, one plain INSERT ... SELECT of the whole previous day per table);
- otherwise the rules assess its KPIs and budget (the values are loaded only then: one row per
  KPI, its periods and values as two arrays, handed to the rules as plain tuples), and the rows go
  through COPY into a temporary table and one INSERT ... SELECT ... ON CONFLICT per table.

Nodes follow with Merkle fingerprints over their subtree (no date: a rollup depends on the
programmes beneath only), reused or rolled up the same way.

On PostgreSQL a full recompute first reads the input change log, which triggers on every input
table fill with the programmes each write touched (status/migrations/0005), and empties what it
read when it commits (FullRecompute). The next full recompute, when the log names every change
(no programme, node or year changed) and nothing the rules take from the date differs from the
latest full recompute's date, copies that recompute's rows and digests and assesses only the
programmes the log names (``_recompute_changed``); the nightly recompute, with a few approvals a
day, costs about two plain INSERT ... SELECT of the day before. Recomputes of the same date take a
transaction-scoped advisory lock, so they run one after the other (the second finds the first's
rows and writes nothing) and cannot deadlock; rows known to be new are inserted without ON
CONFLICT ... DO UPDATE under that lock. The recompute's transaction raises work_mem and commits
asynchronously (both SET LOCAL; see RECOMPUTE_WORK_MEM), and a full recompute pauses the cyclic
garbage collector (it allocates millions of acyclic objects). Inputs the rules refuse
(ValueError) are reported in the summary and the log and do not stop the others; their programme
is assessed again, and the error reported again, on every recompute.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from budget.models import BudgetNode, FiscalYear
from kpis.models import KPI, Milestone, TargetRevision
from programs.models import Program
from reporting.models import KPIValue, ProgressReport
from status import rules
from status.models import (
    FullRecompute,
    KPIStatus,
    NodeStatus,
    ProgramState,
    ProgramStatus,
    Status,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
SWEEP_FULL_THRESHOLD = 50

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


@dataclass
class RecomputeSummary:
    as_of: date
    kpis: int = 0
    kpis_written: int = 0
    programs: int = 0
    programs_written: int = 0
    nodes: int = 0
    nodes_written: int = 0
    # Of the rows written, those copied from another date's rows with the same fingerprint.
    kpis_reused: int = 0
    programs_reused: int = 0
    program_status_counts: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.kpis_written + self.programs_written + self.nodes_written

    def merge(self, other: RecomputeSummary) -> None:
        self.kpis += other.kpis
        self.kpis_written += other.kpis_written
        self.programs += other.programs
        self.programs_written += other.programs_written
        self.kpis_reused += other.kpis_reused
        self.programs_reused += other.programs_reused
        self.errors += other.errors


# --------------------------------------------------------------------------------------------
# Fingerprints and settings


def _fingerprint(*parts: Any) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def global_thresholds() -> rules.Thresholds:
    """The global thresholds: settings.STATUS_THRESHOLDS ({"on_track", "at_risk"}) or the rules'
    defaults (0.90 / 0.75)."""
    configured = getattr(settings, "STATUS_THRESHOLDS", None)
    if not configured:
        return rules.DEFAULT_THRESHOLDS
    return rules.Thresholds(
        on_track=Decimal(str(configured["on_track"])), at_risk=Decimal(str(configured["at_risk"]))
    )


# Bumped whenever what a stored row holds changes, so that the next recompute rewrites the rows.
STORAGE_VERSION = 3

# Appended to the fingerprint of a programme with a KPI the rules refused: no recompute matches it.
_UNSETTLED = "!"


def _settings_fingerprint(thresholds: rules.Thresholds) -> str:
    """Everything global a result depends on: the rules version, the global thresholds and the
    storage version."""
    return _fingerprint(
        rules.RULES_VERSION, STORAGE_VERSION, thresholds.on_track, thresholds.at_risk
    )


# --------------------------------------------------------------------------------------------
# Loading (set-based: one query per kind of input)


@dataclass
class _ProgramInputs:
    id: int
    node_id: int
    fiscal_year_id: int
    fiscal_year: int
    start: date
    end: date
    frequency: str
    allocated_won: int
    kpi_ids: list[int] = field(default_factory=list)
    grace_days: int = rules.DEFAULT_GRACE_DAYS
    _facts: rules.ProgramFacts | None = None

    def facts(self) -> rules.ProgramFacts:
        if self._facts is None:
            self._facts = rules.ProgramFacts(
                start=self.start, end=self.end, frequency=self.frequency
            )
        return self._facts


def _load_programs(
    program_ids: Iterable[int] | None, fiscal_year: int | None
) -> dict[int, _ProgramInputs]:
    qs = Program.objects.all()
    if program_ids is not None:
        qs = qs.filter(id__in=list(program_ids))
    if fiscal_year is not None:
        qs = qs.filter(node__fiscal_year__year=fiscal_year)
    rows = qs.values_list(
        "id",
        "node_id",
        "node__fiscal_year_id",
        "node__fiscal_year__year",
        "start",
        "end",
        "frequency",
        "node__amount_won",
    ).order_by("id")
    return {r[0]: _ProgramInputs(*r) for r in rows}


def _program_filter(prefix: str, program_ids: Sequence[int] | None) -> dict[str, Any]:
    return {} if program_ids is None else {f"{prefix}__in": program_ids}


_PROGRAM_KEYS_SQL = """
SELECT k.program_id,
       bit_xor(hashtextextended(concat_ws('|', k.code, k.kind, k.direction, k.baseline::text,
                                          k.target::text, k.target_date::text, k.grace_days::text,
                                          coalesce(k.on_track_threshold::text, '-'),
                                          coalesce(k.at_risk_threshold::text, '-')),
                                k.id))::text,
       count(*), array_agg(DISTINCT k.grace_days)
FROM kpis_kpi k {programs}
GROUP BY k.program_id
"""


def _program_keys(
    program_ids: Sequence[int] | None,
) -> tuple[dict[int, tuple[str, int, list[int]]], list[tuple[Any, ...]] | None]:
    """Per programme: a digest of its KPIs' definitions (the XOR of a 64-bit hash of each, seeded
    with its id, as the value digests below), their number and their grace days (distinct). On
    PostgreSQL from the database, in one aggregate (the definitions
    themselves are loaded later, for the programmes that changed only); elsewhere from the
    definitions, which are returned too."""
    if connection.vendor == "postgresql":
        params: list[Any] = []
        programs = ""
        if program_ids is not None:
            programs = "WHERE k.program_id = ANY(%s)"
            params.append(list(program_ids))
        with connection.cursor() as cursor:
            cursor.execute(_PROGRAM_KEYS_SQL.format(programs=programs), params)
            return {pid: (digest, n, graces) for pid, digest, n, graces in cursor.fetchall()}, None
    rows = _load_kpis(program_ids)
    by_program: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_program[row[1]].append(row)
    keys = {
        pid: (_fingerprint(kpis), len(kpis), sorted({r[8] for r in kpis}))
        for pid, kpis in by_program.items()
    }
    return keys, rows


def _load_kpis(
    program_ids: Sequence[int] | None, kpi_ids: Sequence[int] | None = None
) -> list[tuple[Any, ...]]:
    filters = _program_filter("program_id", program_ids)
    if kpi_ids is not None:
        filters["id__in"] = kpi_ids
    return list(
        KPI.objects.filter(**filters)
        .order_by("id")
        .values_list(
            "id",
            "program_id",
            "code",
            "kind",
            "direction",
            "baseline",
            "target",
            "target_date",
            "grace_days",
            "on_track_threshold",
            "at_risk_threshold",
        )
    )


_VALUES_SQL = """
SELECT v.kpi_id, array_agg(r.period_end), array_agg(v.value)
FROM reporting_kpivalue v
JOIN reporting_progressreport r ON r.id = v.report_id
WHERE r.is_current AND r.period_end <= %s {filters}
GROUP BY v.kpi_id
"""


def _load_values(
    program_ids: Sequence[int] | None, as_of: date, kpi_ids: Sequence[int] | None = None
) -> dict[int, list[tuple[date, Decimal]]]:
    """Approved values (the current approved revision of each period) for periods ended on or
    before ``as_of``, per KPI, as ``(period_end, value)`` tuples in no particular order (the rules
    sort them), of the given KPIs only, when given. One query; on PostgreSQL one row per KPI with
    its periods and values as two arrays (up to a million values: no per-value row or object)."""
    if connection.vendor == "postgresql":
        params: list[Any] = [as_of]
        filters = ""
        if program_ids is not None:
            filters += " AND r.program_id = ANY(%s)"
            params.append(list(program_ids))
        if kpi_ids is not None:
            filters += " AND v.kpi_id = ANY(%s)"
            params.append(list(kpi_ids))
        with connection.cursor() as cursor:
            cursor.execute(_VALUES_SQL.format(filters=filters), params)
            return {
                kpi_id: list(zip(ends, vals, strict=True))
                for kpi_id, ends, vals in cursor.fetchall()
            }
    values: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    extra = _program_filter("report__program_id", program_ids)
    if kpi_ids is not None:
        extra["kpi_id__in"] = kpi_ids
    rows = (
        KPIValue.objects.filter(report__is_current=True, report__period_end__lte=as_of, **extra)
        .order_by()
        .values_list("kpi_id", "report__period_end", "value")
    )
    for kpi_id, period_end, value in rows.iterator(chunk_size=50000):
        values[kpi_id].append((period_end, value))
    return values


def _load_reports(
    program_ids: Sequence[int] | None, as_of: date
) -> dict[int, list[tuple[date, int | None]]]:
    reports: dict[int, list[tuple[date, int | None]]] = defaultdict(list)
    rows = (
        ProgressReport.objects.filter(
            is_current=True, period_end__lte=as_of, **_program_filter("program_id", program_ids)
        )
        .order_by("program_id", "period_end")
        .values_list("program_id", "period_end", "executed_won")
    )
    for program_id, period_end, executed in rows.iterator(chunk_size=50000):
        reports[program_id].append((period_end, executed))
    return reports


# The digests of the approved inputs, computed by PostgreSQL in one aggregate pass each (about the
# cost of a plain SUM ... GROUP BY): a recompute whose inputs did not change never moves the values
# themselves into Python. The digest of a programme's values is the XOR of a 64-bit hash of each
# (KPI, period, value), seeded with the period's day number and the KPI id, and their count (the
# value hashed as a number: 1.0 and 1.00 hash alike, and the rules give them the same result): any
# change of a value, a period, a KPI or the set of them changes it (an accidental collision has a
# chance of 1 in 2**64), and no sort is needed. Each KPI has at most one current value per period,
# so no hash can cancel another out.
_VALUE_DIGESTS_SQL = """
SELECT r.program_id,
       bit_xor(hash_numeric_extended(
           v.value, ((r.period_end - DATE '2000-01-01')::bigint << 32) + v.kpi_id))::text
       || ':' || count(*)::text
FROM reporting_kpivalue v
JOIN reporting_progressreport r ON r.id = v.report_id
WHERE r.is_current AND r.period_end <= %s {programs}
GROUP BY r.program_id
"""
_REPORT_DIGESTS_SQL = """
SELECT r.program_id,
       bit_xor(hashtextextended(coalesce(r.executed_won::text, '-'),
                                r.period_end - DATE '2000-01-01'))::text
       || ':' || count(*)::text
FROM reporting_progressreport r
WHERE r.is_current AND r.period_end <= %s {programs}
GROUP BY r.program_id
"""


def _digests(sql: str, program_ids: Sequence[int] | None, as_of: date) -> dict[int, str]:
    params: list[Any] = [as_of]
    programs = ""
    if program_ids is not None:
        programs = "AND r.program_id = ANY(%s)"
        params.append(list(program_ids))
    with connection.cursor() as cursor:
        cursor.execute(sql.format(programs=programs), params)
        return dict(cursor.fetchall())


def _by_first(rows: Iterable[tuple[Any, ...]]) -> dict[Any, list[tuple[Any, ...]]]:
    """Rows grouped by their first column (dropped), in the order given."""
    out: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(tuple(row[1:]))
    return out


def _versions(
    row: tuple[Any, ...],
    milestones: list[tuple[Any, ...]],
    revisions: list[tuple[Any, ...]],
) -> tuple[rules.TargetVersion, ...]:
    """The KPI's target versions, by the rules' own ``versions_from_revisions``: ``row`` and
    ``milestones`` are the values in force now, ``revisions`` (effective_from, previous, revised)
    in recorded order."""
    current = rules.TargetVersion(
        target=row[6],
        target_date=row[7],
        baseline=row[5],
        milestones=tuple(rules.Milestone(date=d, value=v) for d, v in milestones),
    )
    return rules.versions_from_revisions(current, revisions)


# --------------------------------------------------------------------------------------------
# Writing


def _upsert(model: Any, rows: list[tuple[Any, ...]], fields: list[str], *, replace: bool) -> None:
    """INSERT ... ON CONFLICT (object, as_of) DO UPDATE of ``rows``: tuples of (object id,
    as_of, *fields), written in key order (so two concurrent recomputes lock rows in the same
    order). On PostgreSQL the rows go through COPY into a temporary table and one
    INSERT ... SELECT ... ON CONFLICT: DO UPDATE with ``replace`` (rows may be stored for the
    date already), else DO NOTHING, which costs less (under the date's lock no other recompute
    inserts them meanwhile; without it, the other's rows hold the same results);
    elsewhere (the SQLite demo) through bulk_create(update_conflicts=True) in batches."""
    if not rows:
        return
    rows.sort(key=itemgetter(0))
    fk = next(f for f in model._meta.concrete_fields if f.is_relation)
    columns = [fk.attname, "as_of", *fields]
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        for start in range(0, len(objs), BATCH_SIZE):
            model.objects.bulk_create(
                objs[start : start + BATCH_SIZE],
                update_conflicts=True,
                unique_fields=[fk.name, "as_of"],
                update_fields=fields,
            )
        return
    json_positions = [
        i
        for i, c in enumerate(columns)
        if model._meta.get_field(c if i else fk.name).get_internal_type() == "JSONField"
    ]
    table = model._meta.db_table
    temp = f"_in_{table}"
    quote = connection.ops.quote_name
    quoted = ", ".join(quote(c) for c in columns)
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {temp} ON COMMIT DROP AS "
            f"SELECT {quoted} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"TRUNCATE {temp}")
        with cursor.cursor.copy(f"COPY {temp} ({quoted}) FROM STDIN") as copy:
            dumps = json.dumps
            for row in rows:
                if json_positions:
                    values = list(row)
                    for i in json_positions:
                        values[i] = dumps(values[i])
                    copy.write_row(values)
                else:
                    copy.write_row(row)
        conflict = f"ON CONFLICT ({quote(fk.attname)}, as_of) DO NOTHING"
        if replace:
            conflict = f"ON CONFLICT ({quote(fk.attname)}, as_of) DO UPDATE SET {updates}"
        cursor.execute(
            f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM {temp} "
            f"ORDER BY {quote(fk.attname)} {conflict}"
        )


def _existing(
    model: Any, key: str, as_of: date, ids: Sequence[int] | None
) -> dict[int, tuple[str, str]]:
    return _stored(model, key, as_of, ids, with_donor=False).current


@dataclass
class _Stored:
    """The rows stored for the as-of date, {object id: (fingerprint, status)}, and those of the
    donor date: the nearest stored date before it (else after it), whose rows are copied to the
    as-of date where the fingerprint is the same (the fingerprints do not include the date: see
    ``rules.as_of_key``)."""

    current: dict[int, tuple[str, str]]
    donor_date: date | None = None
    donor: dict[int, tuple[str, str]] = field(default_factory=dict)

    def plan(
        self, fingerprints: dict[int, str]
    ) -> tuple[dict[int, str], dict[int, str], list[int]]:
        """Split the objects by their new fingerprints: ({id: status} stored for the date and
        unchanged, {id: status} to copy from the donor date, [ids] for the rules), in the order
        of ``fingerprints``."""
        unchanged: dict[int, str] = {}
        reuse: dict[int, str] = {}
        compute: list[int] = []
        current, donor = self.current, self.donor
        for object_id, fp in fingerprints.items():
            old = current.get(object_id)
            if old is not None and old[0] == fp:
                unchanged[object_id] = old[1]
                continue
            other = donor.get(object_id)
            if other is not None and other[0] == fp:
                reuse[object_id] = other[1]
            else:
                compute.append(object_id)
        return unchanged, reuse, compute


_DONOR_DATE_SQL = """coalesce((SELECT max(as_of) FROM {table} WHERE as_of < %s {ids}),
                (SELECT min(as_of) FROM {table} WHERE as_of > %s {ids}))"""


def _stored(
    model: Any, key: str, as_of: date, ids: Sequence[int] | None, *, with_donor: bool = True
) -> _Stored:
    """The stored (fingerprint, status) of the objects (all when ``ids`` is None) for ``as_of``
    and, with ``with_donor``, for the donor date. One query, plain tuples."""
    table = model._meta.db_table
    quote = connection.ops.quote_name
    id_filter = ""
    id_params: list[Any] = []
    if ids is not None:
        if connection.vendor == "postgresql":
            id_filter = f"AND {quote(key)} = ANY(%s)"
            id_params = [list(ids)]
        else:
            id_filter = f"AND {quote(key)} IN ({', '.join(['%s'] * len(ids))})" if ids else "AND 0"
            id_params = list(ids)
    dates = "%s"
    params: list[Any] = [as_of]
    if with_donor:
        dates += ", " + _DONOR_DATE_SQL.format(table=table, ids=id_filter)
        params += [as_of, *id_params, as_of, *id_params]
    stored = _Stored(current={})
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote(key)}, as_of, fingerprint, status FROM {table} "
            f"WHERE as_of IN ({dates}) {id_filter}",
            [*params, *id_params],
        )
        for object_id, day, fp, status in cursor.fetchall():
            if isinstance(day, str):  # SQLite
                day = date.fromisoformat(day)
            if day == as_of:
                stored.current[object_id] = (fp, status)
            else:
                stored.donor_date = day
                stored.donor[object_id] = (fp, status)
    return stored


def _copy(
    model: Any,
    key: str,
    fields: list[str],
    stored: _Stored,
    reuse: Iterable[int],
    *,
    to: date,
    now: Any,
    upsert: bool,
    others: Sequence[int] | None = None,
    through: tuple[str, str] | None = None,
    excluded: Sequence[int] | None = None,
) -> int:
    """Copy the donor date's rows of the objects ``reuse`` to the date ``to``, server-side
    (INSERT ... SELECT), with ``computed_at`` = now; with ``upsert`` rows already stored for ``to``
    are replaced (ON CONFLICT (object, as_of) DO UPDATE), else none may be stored yet.
    With ``through`` (table, column), ``stored`` and ``reuse`` are of other objects and the rows
    copied are those whose object has ``column`` in ``reuse``: the KPI rows of programmes
    (``("kpis_kpi", "program_id")``). ``others``, when given, are all the other objects that may
    have rows on the donor date: the rows copied are then all of that date but theirs (the
    nightly case: all of them, in one plain INSERT ... SELECT). ``excluded`` (PostgreSQL), when
    given instead, are the objects of the rows not to copy: every other row of the donor date is
    copied. Returns the number of rows copied."""
    ids = list(reuse)
    if stored.donor_date is None or (not ids and excluded is None):
        return 0
    table = model._meta.db_table
    quote = connection.ops.quote_name
    columns = [key, "as_of", *fields]
    quoted = ", ".join(quote(c) for c in columns)
    selected = ", ".join(
        "%s" if c in ("as_of", "computed_at") else f"s.{quote(c)}" for c in columns
    )
    dated: list[Any] = [
        to if c == "as_of" else now for c in columns if c in ("as_of", "computed_at")
    ]
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in fields)
    # Rows not stored for the date yet are plainly inserted, in no order: the recompute holds the
    # date's lock (_lock_as_of), so no other inserts them meanwhile. Replaced rows go in key order
    # (as in _upsert).
    order = f"ORDER BY s.{quote(key)} ON CONFLICT ({quote(key)}, as_of) DO UPDATE SET {updates}"
    if not upsert:
        order = ""
    insert = f"INSERT INTO {table} ({quoted}) SELECT {selected} FROM {table} s"
    if excluded is not None and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"{insert} WHERE s.as_of = %s AND s.{quote(key)} <> ALL(%s) {order}",
                [*dated, stored.donor_date, list(excluded)],
            )
            return int(cursor.rowcount)
    with connection.cursor() as cursor:
        if others is not None and not others and connection.vendor == "postgresql":
            # Every row of the donor date (the nightly case), with no join.
            cursor.execute(f"{insert} WHERE s.as_of = %s {order}", [*dated, stored.donor_date])
            return cursor.rowcount
        owner = f"s.{quote(key)}"
        if through is not None:
            insert += f" JOIN {through[0]} o ON o.id = s.{quote(key)}"
            owner = f"o.{quote(through[1])}"
        if connection.vendor == "postgresql":
            if others is not None and len(others) < len(ids):
                # All of the donor date's rows but the others' (the nightly case: all of them).
                cursor.execute(
                    f"{insert} WHERE s.as_of = %s AND {owner} <> ALL(%s) {order}",
                    [*dated, stored.donor_date, list(others)],
                )
            else:  # a hash join with the ids (= ANY(ids) would scan the array for each row)
                cursor.execute(
                    f"{insert} JOIN unnest(%s::bigint[]) AS copied(id) ON copied.id = {owner} "
                    f"WHERE s.as_of = %s {order}",
                    [*dated, sorted(ids), stored.donor_date],
                )
            return cursor.rowcount
        copied = 0
        ordered = sorted(ids)
        for i in range(0, len(ordered), 500):  # the SQLite demo: bounded IN lists
            chunk = ordered[i : i + 500]
            cursor.execute(
                f"{insert} WHERE s.as_of = %s "
                f"AND {owner} IN ({', '.join(['%s'] * len(chunk))}) {order}",
                [*dated, stored.donor_date, *chunk],
            )
            copied += cursor.rowcount
        return copied


_MISSING_KPI_ROWS_SQL = """
SELECT DISTINCT k.program_id
FROM kpis_kpi k
JOIN status_programstatus p ON p.program_id = k.program_id AND p.as_of = %s
LEFT JOIN status_kpistatus s ON s.kpi_id = k.id AND s.as_of = %s
WHERE s.id IS NULL {programs}
"""


def _missing_kpi_rows(day: date, program_ids: Sequence[int] | None) -> set[int]:
    """The programmes with a row stored for ``day`` but not a row for each of their KPIs."""
    params: list[Any] = [day, day]
    programs = ""
    if program_ids is not None:
        programs = "AND k.program_id IN ({})".format(", ".join(["%s"] * len(program_ids)))
        params.extend(program_ids)
        if not program_ids:
            return set()
    with connection.cursor() as cursor:
        cursor.execute(_MISSING_KPI_ROWS_SQL.format(programs=programs), params)
        return {row[0] for row in cursor.fetchall()}


def _count_rows(model: Any, day: date, program_ids: Sequence[int] | None) -> int:
    """How many rows are stored for ``day`` (of the given programmes' KPIs, when given)."""
    qs = model.objects.filter(as_of=day)
    if program_ids is not None:
        qs = qs.filter(kpi__program_id__in=program_ids)
    return int(qs.count())


def _has_rows(model: Any, as_of: date) -> bool:
    """Whether any row is stored for the date (else every row written is new)."""
    return bool(model.objects.filter(as_of=as_of).exists())


_Q4 = Decimal("0.0001")
_Q6 = Decimal("0.000001")
_MAX_VALUE = Decimal(10) ** 20
_MAX_RATIO = Decimal(10) ** 14


def _value(value: Decimal | None) -> Decimal | None:
    """A value at the stored precision (4 places); None when it does not fit the column."""
    if value is None or abs(value) >= _MAX_VALUE:
        return None
    return value.quantize(_Q4)


def _ratio(value: Decimal | None) -> Decimal | None:
    if value is None or abs(value) >= _MAX_RATIO:
        return None
    return value.quantize(_Q6)


def _kpi_row(
    kpi_id: int, as_of: date, fp: str, now: Any, a: rules.KPIAssessment
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
        _value(a.expected),
        _value(a.actual),
        _ratio(a.ratio),
        _value(a.target),
        a.target_date,
        a.assessed_at,
        a.overdue,
        _value(a.forecast_value),
        a.forecast_date,
        a.forecast_miss,
    )


def _row(obj: Any, fields: list[str]) -> tuple[Any, ...]:
    fk = _fk_attname(type(obj))
    return (getattr(obj, fk), obj.as_of, *(getattr(obj, f) for f in fields))


_FK_ATTNAMES: dict[Any, str] = {}


def _fk_attname(model: Any) -> str:
    if model not in _FK_ATTNAMES:
        _FK_ATTNAMES[model] = next(f.attname for f in model._meta.concrete_fields if f.is_relation)
    return _FK_ATTNAMES[model]


# --------------------------------------------------------------------------------------------
# The programme stage: KPIs and programme rows


def _recompute_programs(
    *, as_of: date, program_ids: Iterable[int] | None, fiscal_year: int | None
) -> tuple[dict[int, _ProgramInputs], dict[int, tuple[str, str]], RecomputeSummary]:
    """Recompute the KPIs and programme rows of the given programmes (every programme when
    ``program_ids`` and ``fiscal_year`` are None). Returns the programmes,
    {program_id: (fingerprint, status)} and a summary.

    The unit is the programme: its fingerprint covers everything its KPIs and its budget row
    depend on, and its KPI rows carry it too; a programme whose fingerprint is unchanged keeps (or,
    on a new date, copies) its rows, any other has all of them computed again."""
    summary = RecomputeSummary(as_of=as_of)
    now = timezone.now()
    thresholds = global_thresholds()
    settings_fp = _settings_fingerprint(thresholds)
    programs = _load_programs(program_ids, fiscal_year)
    everything = program_ids is None and fiscal_year is None
    pids: list[int] | None = None if everything else list(programs)
    keys, kpi_rows = _program_keys(pids)
    milestones = _by_first(
        Milestone.objects.filter(**_program_filter("kpi__program_id", pids))
        .order_by("kpi__program_id", "kpi_id", "date")
        .values_list("kpi__program_id", "kpi_id", "date", "value")
    )
    revisions = _by_first(
        TargetRevision.objects.filter(**_program_filter("kpi__program_id", pids))
        .order_by("kpi__program_id", "kpi_id", "created_at", "id")
        .values_list("kpi__program_id", "kpi_id", "effective_from", "previous", "revised")
    )
    preloaded_values: dict[int, list[tuple[date, Decimal]]] | None = None
    preloaded_reports: dict[int, list[tuple[date, int | None]]] | None = None
    if connection.vendor == "postgresql":
        value_digests = _digests(_VALUE_DIGESTS_SQL, pids, as_of)
        report_digests = _digests(_REPORT_DIGESTS_SQL, pids, as_of)
    else:  # the SQLite demo: digests in Python, over inputs loaded once
        preloaded_values = _load_values(pids, as_of)
        preloaded_reports = _load_reports(pids, as_of)
        program_of_kpi = {r[0]: r[1] for r in kpi_rows or ()}
        series: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for kpi_id, kpi_values in preloaded_values.items():
            series[program_of_kpi[kpi_id]].append((kpi_id, sorted(kpi_values)))
        value_digests = {pid: _fingerprint(sorted(v)) for pid, v in series.items()}
        report_digests = {pid: _fingerprint(v) for pid, v in preloaded_reports.items()}
    stored = _stored(ProgramStatus, "program_id", as_of, pids)

    # Fingerprints. They leave the as-of date out and take instead what the rules take from it
    # (rules.as_of_key: started, periods come due, target version in force; the digests already
    # cover only the values counted on that date), so the rows stored for another date with the
    # same fingerprint are copied server-side, and the rules run only where something changed.
    # (A plain string per programme, hashed once: this loop runs for every programme, every time.)
    fingerprints: dict[int, str] = {}
    blake2b = hashlib.blake2b
    for pid, program in programs.items():
        definitions, count, graces = keys.get(pid, ("-", 0, []))
        if graces:
            program.grace_days = min(graces)
        calendar = program.facts()
        date_key: list[Any] = [
            rules.as_of_key(calendar, grace_days=g, as_of=as_of)
            for g in graces or [program.grace_days]
        ]
        program_revisions = revisions.get(pid)
        if program_revisions:
            for kpi_id, revised in _by_first(program_revisions).items():
                effective = [r[0] for r in revised]
                key = rules.as_of_key(
                    calendar, grace_days=program.grace_days, as_of=as_of, effective_from=effective
                )
                date_key.append((kpi_id, key))
        program_milestones = milestones.get(pid)
        text = (
            f"{settings_fp}|{program.start.isoformat()}|{program.end.isoformat()}"
            f"|{program.frequency}|{program.fiscal_year}|{program.allocated_won}|{date_key}"
            f"|{definitions}:{count}|{value_digests.get(pid)}|{report_digests.get(pid)}"
            f"|{_fingerprint(program_milestones) if program_milestones else ''}"
            f"|{_fingerprint(program_revisions) if program_revisions else ''}"
        )
        fingerprints[pid] = blake2b(text.encode(), digest_size=16).hexdigest()
    unchanged, reuse, changed = stored.plan(fingerprints)
    # A programme whose KPI rows are not all there (removed by hand) is computed again. Checked
    # by count first (one index scan): a settled programme stored for a date has a row per KPI.
    for rows, day, fps in (
        (unchanged, as_of, stored.current),
        (reuse, stored.donor_date, stored.donor),
    ):
        if not rows or day is None:
            continue
        expected = sum(
            keys[pid][1] for pid, (fp, _status) in fps.items() if pid in keys and fp[-1:] != "!"
        )
        if _count_rows(KPIStatus, day, pids) != expected:
            for pid in _missing_kpi_rows(day, pids) & rows.keys():
                del rows[pid]
                changed.append(pid)
    summary.kpis = sum(keys[pid][1] for pid in programs if pid in keys)

    # The rules, over the changed programmes' inputs only.
    partial = len(changed) * 2 < len(programs)
    subset = changed if partial else pids
    kpi_write: list[tuple[Any, ...]] = []
    program_write: list[ProgramStatus] = []
    program_result: dict[int, tuple[str, str]] = {
        pid: (fingerprints[pid], status)
        for statuses in (unchanged, reuse)
        for pid, status in statuses.items()
    }
    definitions_of: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    if changed:
        for row in kpi_rows if kpi_rows is not None else _load_kpis(subset):
            definitions_of[row[1]].append(row)
        values = preloaded_values if preloaded_values is not None else _load_values(subset, as_of)
        reports = (
            preloaded_reports if preloaded_reports is not None else _load_reports(subset, as_of)
        )
    for pid in changed:
        program = programs[pid]
        fp = fingerprints[pid]
        milestones_of = _by_first(milestones.get(pid, ()))
        revisions_of = _by_first(revisions.get(pid, ()))
        statuses: list[str] = []
        settled = True
        for row in definitions_of.get(pid, ()):
            kpi_id = row[0]
            try:
                facts = rules.KPIFacts(
                    kind=row[3],
                    direction=row[4],
                    versions=_versions(
                        row, milestones_of.get(kpi_id, []), revisions_of.get(kpi_id, [])
                    ),
                    grace_days=row[8],
                    on_track_threshold=row[9],
                    at_risk_threshold=row[10],
                    code=row[2],
                )
                assessment = rules.assess_kpi(
                    facts, program.facts(), values.get(kpi_id, ()), as_of, thresholds
                )
            except ValueError as exc:  # inputs the rules refuse: reported, the others go on
                summary.errors.append(f"KPI {row[2]}: {exc}")
                logger.error("Status of KPI %s (id %s) not computed: %s", row[2], kpi_id, exc)
                settled = False
                continue
            statuses.append(str(assessment.status))
            kpi_write.append(_kpi_row(kpi_id, as_of, fp, now, assessment))
        rollup = rules.program_status(statuses)
        # A programme with a KPI the rules refused is stored with a fingerprint no recompute
        # matches, so each recompute assesses it again and reports the error again.
        stored_fp = fp if settled else f"{fp}{_UNSETTLED}"
        program_result[pid] = (stored_fp, str(rollup.status))
        try:
            budget = rules.assess_budget(
                program.facts(),
                allocated_won=program.allocated_won,
                fiscal_year=program.fiscal_year,
                reports=reports.get(pid, []),
                as_of=as_of,
                thresholds=thresholds,
                grace_days=program.grace_days,
            )
        except ValueError as exc:  # reported; the row is not stored, the nodes still roll up
            summary.errors.append(f"programme {pid}: {exc}")
            logger.error("Budget status of programme %s not computed: %s", pid, exc)
            continue
        program_write.append(
            ProgramStatus(
                program_id=pid,
                as_of=as_of,
                status=str(rollup.status),
                fingerprint=stored_fp,
                computed_at=now,
                explanation_key=rollup.explanation.key,
                explanation_params={
                    **rollup.explanation.params,
                    "budget": budget.explanation.as_dict(),
                },
                allocated_won=program.allocated_won,
                executed_won=budget.executed_won if budget.assessed_at else None,
                execution_rate=_ratio(budget.execution_rate),
                expected_share=_ratio(budget.expected_share),
                budget_ratio=_ratio(budget.ratio),
                budget_status=str(budget.status),
                budget_assessed_at=budget.assessed_at,
                over_executed=budget.over_executed,
            )
        )

    # Rows may already be stored for the date only if any is (a new date has none).
    replace = bool(stored.current) or (bool(changed or reuse) and _has_rows(KPIStatus, as_of))
    # Every programme not reused, when these are all the programmes: the copies take the rest.
    others = [pid for pid in programs if pid not in reuse] if everything else None
    excluded: list[int] | None = None
    if others is not None and not unchanged and len(changed) * 2 < len(programs):
        # The others are the few programmes computed above, whose KPIs are known: their KPI rows
        # are left out by KPI id, with no join.
        excluded = [row[0] for pid in others for row in definitions_of.get(pid, ())]
    kpis_copied = _copy(
        KPIStatus,
        "kpi_id",
        KPI_FIELDS,
        stored,
        reuse,
        to=as_of,
        now=now,
        upsert=replace,
        others=others,
        through=("kpis_kpi", "program_id"),
        excluded=excluded,
    )
    _upsert(KPIStatus, kpi_write, KPI_FIELDS, replace=replace)
    _copy(
        ProgramStatus,
        "program_id",
        PROGRAM_FIELDS,
        stored,
        reuse,
        to=as_of,
        now=now,
        upsert=replace,
        others=others,
    )
    _upsert(
        ProgramStatus,
        [_row(p, PROGRAM_FIELDS) for p in program_write],
        PROGRAM_FIELDS,
        replace=replace,
    )
    summary.kpis_written = len(kpi_write) + kpis_copied
    summary.kpis_reused = kpis_copied
    summary.programs = len(programs)
    summary.programs_written = len(program_write) + len(reuse)
    summary.programs_reused = len(reuse)
    return programs, program_result, summary


# --------------------------------------------------------------------------------------------
# The node stage


def _recompute_nodes(
    *,
    as_of: date,
    fiscal_year_ids: Iterable[int],
    program_result: dict[int, tuple[str, str]],
) -> tuple[int, int]:
    """Roll programme statuses up the budget trees of the given fiscal years and store the rows of
    the nodes that are not programmes (total, pillars, areas) whose inputs changed.
    ``program_result`` must hold every programme of those years. Returns (nodes, nodes written)."""
    now = timezone.now()
    settings_fp = _settings_fingerprint(global_thresholds())
    year_ids = list(fiscal_year_ids)
    nodes = list(
        BudgetNode.objects.filter(fiscal_year_id__in=year_ids)
        .order_by("fiscal_year_id", "depth", "path")
        .values_list("id", "parent_id", "code", "amount_won", "fiscal_year_id")
    )
    program_of_node = dict(
        Program.objects.filter(node__fiscal_year_id__in=year_ids).values_list("node_id", "id")
    )
    children: dict[int, list[int]] = defaultdict(list)
    for node_id, parent_id, *_rest in nodes:
        if parent_id is not None:
            children[parent_id].append(node_id)
    # Merkle fingerprints, bottom-up: a node's covers its subtree's amounts and programme inputs.
    # (A plain string per node, hashed once, as for the KPIs: a node per programme.)
    node_fp: dict[int, str] = {}
    blake2b = hashlib.blake2b
    for node_id, _parent, code, amount, _year in reversed(nodes):  # children before parents
        pid = program_of_node.get(node_id)
        kids = children.get(node_id)
        text = (
            f"{code}|{amount}|{program_result[pid][0] if pid is not None else '-'}"
            f"|{','.join(sorted(node_fp[c] for c in kids)) if kids else ''}"
        )
        node_fp[node_id] = blake2b(text.encode(), digest_size=16).hexdigest()
    targets = [n for n in nodes if n[0] not in program_of_node]
    stored = _stored(NodeStatus, "node_id", as_of, [n[0] for n in targets])
    # A node's rollup depends on its subtree only, not on the date: no date in the fingerprint.
    fingerprints = {
        node_id: _fingerprint(settings_fp, node_fp[node_id]) for node_id, *_rest in targets
    }
    _unchanged, reuse, compute = stored.plan(fingerprints)
    changed = {node_id: fingerprints[node_id] for node_id in compute}
    write: list[NodeStatus] = []
    if changed:
        code_of = {n[0]: n[2] for n in nodes}
        by_year: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for n in nodes:
            by_year[n[4]].append(n)
        for year_nodes in by_year.values():
            rollups = rules.rollup_nodes(
                [
                    rules.NodeInput(
                        code=code,
                        parent_code=code_of[parent_id] if parent_id is not None else None,
                        amount_won=amount,
                        program_status=program_result[program_of_node[node_id]][1]
                        if node_id in program_of_node
                        else None,
                    )
                    for node_id, parent_id, code, amount, _year in year_nodes
                ],
                only=[code_of[node_id] for node_id, *_rest in year_nodes if node_id in changed],
            )
            for node_id, _parent, code, _amount, _year in year_nodes:
                if node_id not in changed:
                    continue
                rollup = rollups[code]
                write.append(
                    NodeStatus(
                        node_id=node_id,
                        as_of=as_of,
                        status=str(rollup.status),
                        fingerprint=changed[node_id],
                        computed_at=now,
                        explanation_key=rollup.explanation.key,
                        explanation_params=dict(rollup.explanation.params),
                        status_counts=dict(rollup.status_counts),
                        amount_by_status=dict(rollup.amount_by_status),
                    )
                )
    replace = bool(stored.current)  # the nodes' rows for the date, if any
    _copy(NodeStatus, "node_id", NODE_FIELDS, stored, reuse, to=as_of, now=now, upsert=replace)
    _upsert(NodeStatus, [_row(n, NODE_FIELDS) for n in write], NODE_FIELDS, replace=replace)
    return len(targets), len(write) + len(reuse)


# --------------------------------------------------------------------------------------------
# Public services


def _stale_generations(program_ids: Iterable[int] | None) -> dict[int, int]:
    qs = ProgramState.objects.filter(stale=True)
    if program_ids is not None:
        qs = qs.filter(program_id__in=list(program_ids))
    return dict(qs.values_list("program_id", "generation"))


def _clear_stale(generations: dict[int, int], as_of: date) -> None:
    """Clear the stale marks read before the recompute, unless a newer mark arrived since; only a
    recompute for today (or later) makes today's statuses fresh."""
    if as_of < timezone.localdate():
        return
    now = timezone.now()
    by_generation: dict[int, list[int]] = defaultdict(list)
    for pid, generation in generations.items():
        by_generation[generation].append(pid)
    for generation, pids in by_generation.items():
        ProgramState.objects.filter(program_id__in=pids, generation=generation).update(
            stale=False, recomputed_at=now
        )


# pg_advisory_xact_lock(namespace, key): recomputes for the same as-of date run one after the other,
# each seeing what the previous stored (so the second writes nothing), and cannot deadlock on the
# unique index; the upserts alone would already leave no duplicates.
_LOCK_NAMESPACE = 0x53544154  # "STAT"


# Memory for the recompute's aggregates (per KPI arrays of a million values, the digests), for its
# transaction only (SET LOCAL): with the server default (4MB) they spill to disk. The transaction
# also commits without waiting for its WAL to reach the disk (synchronous_commit off, SET LOCAL):
# its rows are derived, so a crash in the fraction of a second after the commit loses nothing that
# the next recompute does not write again (the stale marks it clears are lost with them), and the
# database stays consistent (PostgreSQL's asynchronous commit never corrupts).
RECOMPUTE_WORK_MEM = "256MB"


def _lock_as_of(as_of: date) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # set_config(..., true) is SET LOCAL, in the same round trip as the lock
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s), set_config('work_mem', %s, true), "
                "set_config('synchronous_commit', 'off', true)",
                [_LOCK_NAMESPACE, as_of.toordinal(), RECOMPUTE_WORK_MEM],
            )


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector (restored after): a full recompute allocates millions of
    small acyclic objects (values, tuples, results), and the collector's passes over an ever larger
    heap would grow faster than the data. Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@transaction.atomic
def status_recompute_all(*, as_of: date, fiscal_year: int | None = None) -> RecomputeSummary:
    """Recompute and store every KPI, programme and budget node status as of ``as_of`` (of one
    fiscal year, or all). Writes only rows whose inputs changed."""
    with _without_cyclic_gc():
        return _recompute_all(as_of=as_of, fiscal_year=fiscal_year)


def _recompute_all(*, as_of: date, fiscal_year: int | None) -> RecomputeSummary:
    _lock_as_of(as_of)
    pending = _pending_changes()  # first: a write committed after this read stays pending
    stale = _stale_generations(None)
    if fiscal_year is None and pending is not None:
        quick = _recompute_changed(as_of=as_of, pending=pending)
        if quick is not None:
            _clear_stale(stale, as_of)
            _record_full_recompute(as_of, pending, quick)
            return quick
    programs, program_result, summary = _recompute_programs(
        as_of=as_of, program_ids=None, fiscal_year=fiscal_year
    )
    years = FiscalYear.objects.all()
    if fiscal_year is not None:
        years = years.filter(year=fiscal_year)
    fiscal_year_ids = list(years.values_list("id", flat=True))
    summary.nodes, summary.nodes_written = _recompute_nodes(
        as_of=as_of, fiscal_year_ids=fiscal_year_ids, program_result=program_result
    )
    _clear_stale({pid: g for pid, g in stale.items() if pid in programs}, as_of)
    summary.program_status_counts = _count(s for _, s in program_result.values())
    if fiscal_year is None and pending is not None:
        _record_full_recompute(as_of, pending, summary)
    return summary


# --------------------------------------------------------------------------------------------
# Since the last full recompute: only the programmes whose inputs changed


@dataclass
class _Pending:
    """The input change log as read at the start of a full recompute (status/migrations/0005):
    its rows, the programmes they name, and whether one names none (anything may have changed)."""

    ids: list[int]
    programs: set[int]
    anything: bool


def _pending_changes() -> _Pending | None:
    """The changes to inputs since the last full recompute (PostgreSQL only; None elsewhere)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, program_id FROM status_input_change")
        rows = cursor.fetchall()
    return _Pending(
        ids=[r[0] for r in rows],
        programs={r[1] for r in rows if r[1] is not None},
        anything=any(r[1] is None for r in rows),
    )


def _record_full_recompute(as_of: date, pending: _Pending, summary: RecomputeSummary) -> None:
    """After a complete, error-free full recompute: the changes it read are accounted for (their
    rows leave the log when it commits) and the date is recorded as the latest full recompute."""
    if summary.errors:
        return  # nothing recorded: the next full recompute starts from the previous record
    settings_fp = _settings_fingerprint(global_thresholds())
    if pending.ids:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM status_input_change WHERE id = ANY(%s)", [pending.ids])
    else:
        latest = FullRecompute.objects.order_by("-computed_at", "-id").first()
        if latest and latest.as_of == as_of and latest.settings_fingerprint == settings_fp:
            return  # the same date again with nothing changed: already the latest record
    FullRecompute.objects.update_or_create(
        as_of=as_of,
        defaults={
            "input_version": max(pending.ids, default=0),
            "settings_fingerprint": settings_fp,
            "computed_at": timezone.now(),
        },
    )


_DATE_WINDOW_SQL = """
SELECT EXISTS (SELECT 1 FROM reporting_progressreport
               WHERE is_current AND period_end > %(lo)s AND period_end <= %(hi)s),
       EXISTS (SELECT 1 FROM kpis_targetrevision
               WHERE effective_from > %(lo)s AND effective_from <= %(hi)s)
"""
_CALENDARS_SQL = """
SELECT DISTINCT p.start, p."end", p.frequency, coalesce(k.grace_days, %s)
FROM programs_program p LEFT JOIN kpis_kpi k ON k.program_id = p.id
"""


def _recompute_changed(*, as_of: date, pending: _Pending) -> RecomputeSummary | None:
    """A full recompute from the latest one (the donor): when the change log names every change
    since it (no change of a programme, node or year), the thresholds and rules are the same, its
    rows are all there, and nothing the rules take from the date differs between the two dates
    (no counted report or target revision between them, and the same rules.as_of_key on both
    dates for every programme calendar and grace period), then every
    programme the log does not name has the same fingerprint on both dates. Its rows are copied
    server-side, the named programmes are recomputed, the nodes rolled up. Otherwise None: the
    recompute digests everything. Only when nothing is stored for this date yet, or this date is
    the donor's."""
    if pending.anything:
        return None
    settings_fp = _settings_fingerprint(global_thresholds())
    donor = FullRecompute.objects.order_by("-computed_at", "-id").first()
    if donor is None or donor.settings_fingerprint != settings_fp:
        return None
    counts = {
        model: model.objects.filter(as_of=donor.as_of).count()
        for model in (KPIStatus, ProgramStatus, NodeStatus)
    }
    if counts[ProgramStatus] != Program.objects.count() or counts[KPIStatus] != KPI.objects.count():
        return None  # rows removed since (by hand): compute
    changed = sorted(pending.programs & set(Program.objects.values_list("id", flat=True)))
    summary = RecomputeSummary(as_of=as_of)
    now = timezone.now()
    if donor.as_of != as_of:
        lo, hi = sorted((donor.as_of, as_of))
        with connection.cursor() as cursor:
            cursor.execute(_DATE_WINDOW_SQL, {"lo": lo, "hi": hi})
            if any(cursor.fetchone()):
                return None
            cursor.execute(_CALENDARS_SQL, [rules.DEFAULT_GRACE_DAYS])
            calendars = cursor.fetchall()
        # The rest of rules.as_of_key, per programme calendar and grace period (the version in
        # force is covered by the revisions checked above).
        for start, end, frequency, grace in calendars:
            facts = rules.ProgramFacts(start=start, end=end, frequency=frequency)
            if rules.as_of_key(facts, grace_days=grace, as_of=lo) != rules.as_of_key(
                facts, grace_days=grace, as_of=hi
            ):
                return None
        if any(model.objects.filter(as_of=as_of).exists() for model in counts):
            return None  # part of this date is stored already: compute
        changed_kpis = list(KPI.objects.filter(program_id__in=changed).values_list("id", flat=True))
        for model, fields, excluded in (
            (KPIStatus, KPI_FIELDS, changed_kpis),
            (ProgramStatus, PROGRAM_FIELDS, changed),
        ):
            copied = _copy_all(
                model, fields, source=donor.as_of, to=as_of, now=now, excluded=excluded
            )
            if model is KPIStatus:
                summary.kpis_written = summary.kpis_reused = copied
            else:
                summary.programs_written = summary.programs_reused = copied
    changed_result: dict[int, tuple[str, str]] = {}
    if changed:
        _programs, changed_result, part = _recompute_programs(
            as_of=as_of, program_ids=changed, fiscal_year=None
        )
        summary.merge(part)  # errors, if any, are reported and the run is not recorded
    if changed or donor.as_of != as_of:
        # The stored rows, and the computed ones (a programme whose budget the rules refused
        # has no row, but its KPIs' status still rolls up).
        program_result = _existing(ProgramStatus, "program_id", as_of, None) | changed_result
        summary.nodes, summary.nodes_written = _recompute_nodes(
            as_of=as_of,
            fiscal_year_ids=list(FiscalYear.objects.values_list("id", flat=True)),
            program_result=program_result,
        )
    else:
        summary.nodes = counts[NodeStatus]
    summary.kpis, summary.programs = counts[KPIStatus], counts[ProgramStatus]
    summary.program_status_counts = _count(
        ProgramStatus.objects.filter(as_of=as_of).values_list("status", flat=True)
    )
    return summary


def _copy_all(
    model: Any, fields: list[str], *, source: date, to: date, now: Any, excluded: Sequence[int]
) -> int:
    """Every row of the date ``source`` but those of the ``excluded`` objects, copied to the date
    ``to`` (which has none), server-side (PostgreSQL)."""
    stored = _Stored(current={}, donor_date=source)
    return _copy(
        model,
        _fk_attname(model),
        fields,
        stored,
        (),
        to=to,
        now=now,
        upsert=False,
        excluded=excluded,
    )


@transaction.atomic
def status_recompute_program(*, program_id: int, as_of: date) -> RecomputeSummary:
    """Recompute one programme's KPIs and programme row, then the budget nodes above it."""
    _lock_as_of(as_of)
    stale = _stale_generations([program_id])
    programs, program_result, summary = _recompute_programs(
        as_of=as_of, program_ids=[program_id], fiscal_year=None
    )
    if program_id not in programs:
        return summary
    program = programs[program_id]
    fiscal_year_id = program.fiscal_year_id
    # The other programmes of the year, as stored for this date; those never computed for it are
    # computed now, so that the nodes above roll up complete inputs.
    year_programs = list(
        Program.objects.filter(node__fiscal_year_id=fiscal_year_id).values_list("id", flat=True)
    )
    others = _existing(ProgramStatus, "program_id", as_of, year_programs)
    missing = [pid for pid in year_programs if pid not in others and pid not in program_result]
    if missing:
        _, extra, extra_summary = _recompute_programs(
            as_of=as_of, program_ids=missing, fiscal_year=None
        )
        program_result.update(extra)
        summary.merge(extra_summary)
    for pid in year_programs:
        if pid not in program_result:
            program_result[pid] = others[pid]
    # Only the nodes above this programme can change (the others' fingerprints are unchanged).
    summary.nodes, summary.nodes_written = _recompute_nodes(
        as_of=as_of, fiscal_year_ids=[fiscal_year_id], program_result=program_result
    )
    _clear_stale(stale, as_of)
    return summary


def _count(statuses: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {s.value: 0 for s in Status}
    for s in statuses:
        counts[s] += 1
    return counts


def status_mark_stale(*, program_id: int, reason: str) -> None:
    """Mark a programme's statuses stale, in the caller's transaction (so the mark commits with the
    approval or revision that caused it, or not at all)."""
    now = timezone.now()
    updated = ProgramState.objects.filter(program_id=program_id).update(
        stale=True, generation=F("generation") + 1, reason=reason, marked_at=now
    )
    if not updated:
        ProgramState.objects.bulk_create(
            [
                ProgramState(
                    program_id=program_id, stale=True, generation=1, reason=reason, marked_at=now
                )
            ],
            update_conflicts=True,
            unique_fields=["program"],
            update_fields=["stale", "reason", "marked_at"],
        )


def status_enqueue_recompute(*, program_id: int, reason: str) -> None:
    """For the approval and target-revision hooks: mark the programme stale now (same
    transaction), and after commit enqueue its recompute. If the broker cannot be reached the
    mark stays, and the periodic sweep recomputes it."""
    status_mark_stale(program_id=program_id, reason=reason)
    transaction.on_commit(lambda: _enqueue_or_leave_stale(program_id))


def _enqueue_or_leave_stale(program_id: int) -> None:
    from status.tasks import recompute_program

    try:
        recompute_program.apply_async(args=[program_id], retry=False)
    except Exception:  # the broker is down: the stale mark stays for the sweep
        logger.warning(
            "Could not enqueue the status recompute of programme %s; it stays stale for the sweep.",
            program_id,
            exc_info=True,
        )


def status_sweep_stale(*, as_of: date | None = None) -> list[int]:
    """Recompute every programme marked stale. Returns their ids."""
    day = as_of or timezone.localdate()
    pids = list(
        ProgramState.objects.filter(stale=True)
        .order_by("marked_at")
        .values_list("program_id", flat=True)
    )
    if len(pids) > SWEEP_FULL_THRESHOLD:  # many at once: one set-based pass is cheaper
        status_recompute_all(as_of=day)
        return pids
    for pid in pids:
        status_recompute_program(program_id=pid, as_of=day)
    return pids
