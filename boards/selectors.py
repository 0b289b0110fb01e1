"""Reads for the status boards (domain.md 2, 3). Nothing here computes a status rule: statuses,
explanations, ratios and forecasts are the stored results of status/ (``status.selectors``); the
periods come from ``programs.periods``; the target in force from ``kpis.selectors``; expected values
for the charts from ``kpis.rules.expected_value``.

Every selector runs a fixed number of queries whatever the number of programmes (pinned in
tests/boards/). The reporting figures, the budget tree, the ministries and the table's counts are
cached under a version of the data that every write moves on (``boards.cache``). Scoping: every
role may read the boards; the programmes table and its exports are scoped with
``programs.selectors.program_scope_q`` (officers and ministry reviewers see their ministry's
programmes there).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from boards.cache import cached
from budget.models import BudgetNode, FiscalYear, Ministry
from kpis.models import KPI
from kpis.selectors import kpi_target_as_of
from programs.models import Frequency, Program
from programs.periods import Period, period_containing
from programs.selectors import DEFAULT_GRACE_DAYS, program_scope_q
from reporting.models import ProgressReport, ReportStatus
from status import rules
from status.models import KPIStatus, NodeStatus, ProgramStatus, Status
from status.selectors_board import board_dates

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser

# Display order: the worst first. A presentation order, not a rule.
STATUS_ORDER: tuple[str, ...] = (
    Status.OFF_TRACK,
    Status.AT_RISK,
    Status.NO_DATA,
    Status.ON_TRACK,
    Status.ACHIEVED,
    Status.NOT_STARTED,
)
SEVERITY = {status: rank for rank, status in enumerate(STATUS_ORDER)}
ATTENTION_STATUSES = (Status.OFF_TRACK, Status.AT_RISK, Status.NO_DATA)
GOOD_STATUSES = (Status.ON_TRACK, Status.ACHIEVED)
ATTENTION_LIMIT = 20


# --------------------------------------------------------------------------------------------
# Fiscal year and tree helpers


@dataclass
class Tree:
    """The nodes of a fiscal year above the programmes (depth 0-2), by path."""

    root: BudgetNode | None
    pillars: list[BudgetNode]
    areas: list[BudgetNode]
    by_path: dict[str, BudgetNode]

    def ancestor(self, path: str, depth: int) -> BudgetNode | None:
        parts = path.split("/")
        if len(parts) <= depth:
            return None
        return self.by_path.get("/".join(parts[: depth + 1]))

    def pillar_of(self, path: str) -> BudgetNode | None:
        return self.ancestor(path, 1)

    def add_ancestors(self, nodes: Iterable[BudgetNode]) -> None:
        """Load the ancestors below depth 2 of these nodes that are not loaded yet (one query,
        none when every node hangs from an area)."""
        missing: set[str] = set()
        fiscal_year_id = None
        for node in nodes:
            fiscal_year_id = node.fiscal_year_id
            parts = node.path.split("/")
            for end in range(4, len(parts)):
                prefix = "/".join(parts[:end])
                if prefix not in self.by_path:
                    missing.add(prefix)
        if missing:
            for ancestor in BudgetNode.objects.filter(
                fiscal_year_id=fiscal_year_id, path__in=sorted(missing)
            ):
                self.by_path[ancestor.path] = ancestor

    def classification(self, node: BudgetNode, field_name: str) -> str:
        """The node's ``cofog`` / ``ai_component``, else its nearest classified ancestor's
        ("" when none is): as :func:`effective_classification` does in SQL."""
        value = getattr(node, field_name, "")
        parts = node.path.split("/")
        while not value and len(parts) > 1:
            parts.pop()
            ancestor = self.by_path.get("/".join(parts))
            value = getattr(ancestor, field_name, "") if ancestor else ""
        return str(value or "")

    def area_of(self, path: str) -> BudgetNode | None:
        return self.ancestor(path, 2)


# The nodes of depth 0-2 of a fiscal year (a node's depth is its number of ancestors): the root,
# its children and theirs, found down the parent links (index scans on ``parent_id``) rather than
# by reading every node of the year for its depth.
TREE_SQL = """
SELECT n.* FROM budget_budgetnode n
 WHERE n.fiscal_year_id = %(year)s AND n.parent_id IS NULL AND n.depth <= 2
UNION ALL
SELECT c.* FROM budget_budgetnode r JOIN budget_budgetnode c ON c.parent_id = r.id
 WHERE r.fiscal_year_id = %(year)s AND r.parent_id IS NULL AND c.depth <= 2
UNION ALL
SELECT g.* FROM budget_budgetnode r JOIN budget_budgetnode c ON c.parent_id = r.id
  JOIN budget_budgetnode g ON g.parent_id = c.id
 WHERE r.fiscal_year_id = %(year)s AND r.parent_id IS NULL AND g.depth <= 2
ORDER BY path
"""


def board_tree(fiscal_year: FiscalYear) -> Tree:
    """Root, pillars and areas (depth 0-2), in one query, cached (``boards.cache``: each read
    gets its own copy, which :meth:`Tree.add_ancestors` may extend). Deeper ancestors (of
    programmes nested in programmes) are added by :meth:`Tree.add_ancestors` for the rows
    shown."""

    def compute() -> Tree:
        nodes = list(BudgetNode.objects.raw(TREE_SQL, {"year": fiscal_year.pk}))
        return Tree(
            root=next((n for n in nodes if n.depth == 0), None),
            pillars=[n for n in nodes if n.depth == 1],
            areas=[n for n in nodes if n.depth == 2],
            by_path={n.path: n for n in nodes},
        )

    return cached("tree", fiscal_year.pk, compute)


def fiscal_years() -> list[FiscalYear]:
    """Every fiscal year, the latest first (one query, cached: ``boards.cache``)."""
    return cached("fiscal_years", None, lambda: list(FiscalYear.objects.order_by("-year")))


def ministries() -> list[Ministry]:
    """Every ministry, by code (one query, cached: ``boards.cache``)."""
    return cached("ministries", None, lambda: list(Ministry.objects.order_by("code")))


def as_of_dates(limit: int = 60) -> list[date]:
    """The as-of dates with stored results, newest first (``status.selectors_board.board_dates``,
    cached: ``boards.cache``)."""
    return cached("dates", limit, lambda: board_dates(limit))


def program_count(rows: QuerySet[ProgramStatus]) -> int:
    """How many rows ``rows`` has (one query, cached under its SQL: ``boards.cache``)."""
    counted = rows.order_by()
    sql, params = counted.query.sql_with_params()
    return cached("count", (sql, params), counted.count)


def subtree_q(node: BudgetNode, prefix: str = "program__node__") -> Q:
    """Programmes at or beneath ``node`` (by materialised path)."""
    return Q(**{f"{prefix}path": node.path}) | Q(**{f"{prefix}path__startswith": node.path + "/"})


# Effective classification: the node's own, else its nearest ancestor's (up to four levels up).
CLASSIFICATION_LEVELS = 5


def effective_classification_q(field_name: str, value: str, prefix: str = "node__") -> Q:
    """Programmes whose node, or else its nearest classified ancestor, has ``field_name == value``
    (``value == ""``: unclassified at every level)."""
    if value == "":
        q = Q()
        for level in range(CLASSIFICATION_LEVELS):
            q &= Q(**{f"{prefix}{'parent__' * level}{field_name}": ""}) | Q(
                **{f"{prefix}{'parent__' * level}isnull": True}
            )
        return q
    q = Q(pk__in=[])
    blank = Q()
    for level in range(CLASSIFICATION_LEVELS):
        path = f"{prefix}{'parent__' * level}{field_name}"
        q |= blank & Q(**{path: value})
        blank &= Q(**{path: ""})
    return q


def effective_classification(field_name: str, prefix: str = "node__") -> Coalesce:
    return Coalesce(
        *[
            NullIf(F(f"{prefix}{'parent__' * level}{field_name}"), Value(""))
            for level in range(CLASSIFICATION_LEVELS)
        ],
        Value(""),
    )


# --------------------------------------------------------------------------------------------
# Status mix


@dataclass
class MixRow:
    status: str
    count: int
    amount_won: int
    count_share: Decimal | None
    amount_share: Decimal | None


@dataclass
class StatusMix:
    counts: dict[str, int]
    amounts: dict[str, int]

    @property
    def total_count(self) -> int:
        return sum(self.counts.values())

    @property
    def total_won(self) -> int:
        return sum(self.amounts.values())

    @property
    def good_won(self) -> int:
        return sum(self.amounts.get(s, 0) for s in GOOD_STATUSES)

    @property
    def good_share(self) -> Decimal | None:
        total = self.total_won
        return Decimal(self.good_won) / total if total else None

    def rows(self) -> list[MixRow]:
        total_count, total_won = self.total_count, self.total_won
        return [
            MixRow(
                status=s,
                count=self.counts.get(s, 0),
                amount_won=self.amounts.get(s, 0),
                count_share=Decimal(self.counts.get(s, 0)) / total_count if total_count else None,
                amount_share=Decimal(self.amounts.get(s, 0)) / total_won if total_won else None,
            )
            for s in STATUS_ORDER
        ]


def _mix_from_node(row: NodeStatus | None) -> StatusMix:
    if row is None:
        return StatusMix({}, {})
    return StatusMix(
        {k: int(v or 0) for k, v in row.status_counts.items()},
        {k: int(v or 0) for k, v in row.amount_by_status.items()},
    )


def _mix_from_programs(qs: QuerySet[ProgramStatus]) -> StatusMix:
    counts: dict[str, int] = {}
    amounts: dict[str, int] = {}
    for row in qs.order_by().values("status").annotate(n=Count("pk"), won=Sum("allocated_won")):
        counts[row["status"]] = row["n"]
        amounts[row["status"]] = int(row["won"] or 0)
    return StatusMix(counts, amounts)


# --------------------------------------------------------------------------------------------
# Reporting completeness and timeliness


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
        return not self.approved and self.as_of >= self.due


REPORTING_SQL = """
WITH reports AS (
    SELECT r.program_id, r.period_end,
           bool_or(r.status = %(approved)s
                   AND (r.approved_at AT TIME ZONE %(tz)s)::date <= %(as_of)s) AS approved,
           min(coalesce(r.submitted_at, r.approved_at)) AS first_submitted
      FROM reporting_progressreport r
     WHERE r.period_end = ANY(%(ends)s)
     GROUP BY r.program_id, r.period_end
), grace AS (
    SELECT program_id, min(grace_days) AS grace_days FROM kpis_kpi GROUP BY program_id
), current AS (
    SELECT p.id, p.ministry_id, p.start, p."end", n.path,
           CASE p.frequency {end_cases} END AS current_end,
           CASE p.frequency {start_cases} END AS current_start,
           coalesce(g.grace_days, %(default_grace)s) AS grace_days
      FROM programs_program p
      JOIN budget_budgetnode n ON n.id = p.node_id
      LEFT JOIN grace g ON g.program_id = p.id
     WHERE n.fiscal_year_id = %(fiscal_year)s {scope}
)
SELECT c.id, c.ministry_id, c.current_end, c.current_end + c.grace_days AS due,
       coalesce(r.approved, false) AS approved,
       coalesce((r.first_submitted AT TIME ZONE %(tz)s)::date
                <= least(c.current_end + c.grace_days, %(as_of)s::date), false) AS timely
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
    aggregate: bool,
) -> list[tuple[Any, ...]]:
    """Per programme reporting in its current period (the latest period that ended on or before
    ``as_of``, ``programs.periods``), comes due at its end plus the smallest grace days of its
    KPIs (``programs.selectors.program_grace_days``): whether a report for it was approved by
    ``as_of``, and whether it was submitted by the due date (and by ``as_of``): the earliest
    ``submitted_at`` of its revisions (a report returned and submitted again late counts as
    late). One query, hash joins only, whatever the number of programmes; on PostgreSQL the rows
    are cached under the version of the data (``boards.cache``: its read is one query more when
    no request pinned it), so a read repeated before any change costs no query of its own."""
    periods = current_periods(as_of)
    params: dict[str, Any] = {
        "approved": ReportStatus.APPROVED,
        "tz": settings.TIME_ZONE,
        "as_of": as_of,
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
    if connection.vendor != "postgresql":
        return _reporting_query_portable(
            as_of=as_of, fiscal_year=fiscal_year, ministry=ministry, node=node, aggregate=aggregate
        )
    sql = REPORTING_SQL.format(
        end_cases=" ".join(end_cases), start_cases=" ".join(start_cases), scope=scope
    )
    if aggregate:
        sql = f"""
        SELECT ministry_id, count(*), count(*) FILTER (WHERE approved),
               count(*) FILTER (WHERE timely),
               count(*) FILTER (WHERE NOT approved AND due <= %(as_of)s::date)
          FROM ({sql}) AS per_program
         GROUP BY ministry_id"""

    def compute() -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]

    return cached("reporting", (sql, sorted(params.items())), compute)


def _reporting_query_portable(
    *,
    as_of: date,
    fiscal_year: FiscalYear,
    ministry: Ministry | None,
    node: BudgetNode | None,
    aggregate: bool,
) -> list[tuple[Any, ...]]:
    """The same rows as :data:`REPORTING_SQL`, computed in Python from two ORM queries, for the
    databases other than PostgreSQL (the SQLite demo). PostgreSQL uses the single SQL query; a test
    (tests/boards/test_reporting_portable.py) checks that both give the same rows."""
    periods = current_periods(as_of)
    programs = Program.objects.filter(node__fiscal_year=fiscal_year)
    if ministry is not None:
        programs = programs.filter(ministry=ministry)
    if node is not None:
        programs = programs.filter(
            Q(node__path=node.path) | Q(node__path__startswith=node.path + "/")
        )
    program_rows = list(
        programs.annotate(grace=Min("kpis__grace_days")).values_list(
            "id", "ministry_id", "start", "end", "frequency", "grace"
        )
    )
    ends = sorted({p.end for p in periods.values()})
    by_key: dict[tuple[int, date], list[tuple[str, Any, Any]]] = defaultdict(list)
    for pid, end, status, submitted_at, approved_at in ProgressReport.objects.filter(
        program_id__in=[row[0] for row in program_rows], period_end__in=ends
    ).values_list("program_id", "period_end", "status", "submitted_at", "approved_at"):
        by_key[(pid, end)].append((status, submitted_at, approved_at))

    def local_day(moment: Any) -> date:
        return timezone.localtime(moment).date()

    rows: list[tuple[Any, ...]] = []
    for pid, mid, start, end, frequency, grace in program_rows:
        period = periods[frequency]
        if not (start <= period.end and end >= period.start):
            continue
        due = period.end + timedelta(days=grace if grace is not None else DEFAULT_GRACE_DAYS)
        reports = by_key.get((pid, period.end), [])
        approved = any(
            status == ReportStatus.APPROVED and approved_at and local_day(approved_at) <= as_of
            for status, _, approved_at in reports
        )
        firsts = [sub or app for _, sub, app in reports if (sub or app) is not None]
        timely = bool(firsts) and local_day(min(firsts)) <= min(due, as_of)
        rows.append((pid, mid, period.end, due, approved, timely))
    if not aggregate:
        return rows
    counts: dict[Any, list[int]] = {}
    for _, mid, _, due, approved, timely in rows:
        c = counts.setdefault(mid, [0, 0, 0, 0])
        c[0] += 1
        c[1] += approved
        c[2] += timely
        c[3] += (not approved) and due <= as_of
    return [(mid, *c) for mid, c in counts.items()]


def reporting_rows(
    *,
    as_of: date,
    fiscal_year: FiscalYear,
    ministry: Ministry | None = None,
    node: BudgetNode | None = None,
) -> list[ReportingRow]:
    """Per programme reporting in its current period (see :func:`_reporting_query`)."""
    rows = _reporting_query(
        as_of=as_of, fiscal_year=fiscal_year, ministry=ministry, node=node, aggregate=False
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
) -> dict[int, ReportingStats]:
    """:class:`ReportingStats` per ministry id (counted in the database, cached: see
    :func:`_reporting_query`)."""
    rows = _reporting_query(
        as_of=as_of, fiscal_year=fiscal_year, ministry=ministry, node=node, aggregate=True
    )
    return {
        mid: ReportingStats(n, approved, timely, overdue)
        for mid, n, approved, timely, overdue in rows
    }


def _total(stats: Iterable[ReportingStats]) -> ReportingStats:
    out = ReportingStats()
    for s in stats:
        out.add(s)
    return out


# --------------------------------------------------------------------------------------------
# Programme rows (table, attention list, exports)


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
TREE_ORDER = ("program__node__path",)


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
        qs = qs.filter(program__node__fiscal_year=fiscal_year)
    if user is not None:
        qs = qs.filter(program_scope_q(user, prefix="program__"))
    return (
        qs.select_related("program", "program__node", "program__ministry")
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
        .select_related("program", "program__node", "program__ministry")
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
    flagged: Iterable[tuple[int, bool, bool]]
    if connection.vendor == "postgresql":
        sql = KPI_FLAGS_SQL
        params: list[Any] = [as_of]
        if program_ids is not None:
            sql += " AND k.program_id = ANY(%s)"
            params.append(list(program_ids))
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            flagged = cursor.fetchall()
    else:
        qs = (
            KPIStatus.objects.filter(as_of=as_of)
            .filter(Q(overdue=True) | Q(forecast_miss=True))
            .order_by()
        )
        if program_ids is not None:
            qs = qs.filter(kpi__program_id__in=list(program_ids))
        flagged = qs.values_list("kpi__program_id", "overdue", "forecast_miss")
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


@dataclass
class AttentionLine:
    row: ProgramStatus
    kpis: list[KPIStatus] = field(default_factory=list)

    @property
    def flags(self) -> list[str]:
        out = []
        if self.row.status in ATTENTION_STATUSES:
            out.append(self.row.status)
        if any(k.overdue for k in self.kpis) or self.row.status == Status.NO_DATA:
            out.append("overdue")
        if any(k.forecast_miss for k in self.kpis):
            out.append("forecast_miss")
        return out


@dataclass
class Attention:
    lines: list[AttentionLine]
    count: int
    amount_won: int


def attention(rows: QuerySet[ProgramStatus], *, as_of: date, limit: int | None) -> Attention:
    """The programmes needing attention, most money first, each with the KPIs that explain why
    (three queries)."""
    # One narrow query orders every row needing attention in the database and gives the ids of
    # those shown, each carrying the count and the money of all of them (window aggregates,
    # computed before the limit); then only the rows shown are loaded whole.
    narrow = (
        rows.filter(attention_q(as_of))
        .annotate(attention_count=Window(Count("pk")), attention_won=Window(Sum("allocated_won")))
        .order_by("-allocated_won", "program__node__path")
        .values_list("pk", "attention_count", "attention_won")
    )
    shown = list(narrow[:limit] if limit else narrow)
    count = shown[0][1] if shown else 0
    amount = int(shown[0][2] or 0) if shown else 0
    by_pk = rows.order_by().in_bulk([r[0] for r in shown])
    picked = [by_pk[r[0]] for r in shown]
    lines = [AttentionLine(row) for row in picked]
    by_program = {line.row.program_id: line for line in lines}
    if by_program:
        kpi_rows = (
            KPIStatus.objects.filter(as_of=as_of, kpi__program__in=list(by_program))
            .filter(Q(status__in=ATTENTION_STATUSES) | Q(overdue=True) | Q(forecast_miss=True))
            .select_related("kpi")
            .order_by("kpi__program_id", "kpi__position", "kpi__code")
        )
        for k in kpi_rows:
            by_program[k.kpi.program_id].kpis.append(k)
        for line in lines:
            line.kpis.sort(key=lambda k: SEVERITY.get(k.status, 99))
    return Attention(lines, count, amount)


# --------------------------------------------------------------------------------------------
# The board (/) and the briefing


@dataclass
class PillarCard:
    node: BudgetNode
    row: NodeStatus | None
    mix: StatusMix


@dataclass
class BoardPage:
    as_of: date
    fiscal_year: FiscalYear
    scope_node: BudgetNode | None
    scope_ministry: Ministry | None
    total_won: int
    mix: StatusMix
    node_row: NodeStatus | None
    pillars: list[PillarCard]
    attention: Attention
    reporting: ReportingStats
    periods: dict[str, Period]


def board_page(
    *,
    as_of: date,
    fiscal_year: FiscalYear,
    pillar: BudgetNode | None = None,
    ministry: Ministry | None = None,
    attention_limit: int | None = ATTENTION_LIMIT,
    only_year: bool = False,
) -> BoardPage:
    """The board for the whole budget, one pillar (``pillar``) or one ministry (``ministry``)."""
    node_rows = list(
        NodeStatus.objects.filter(
            as_of=as_of, node__fiscal_year=fiscal_year, node__depth__lte=1
        ).select_related("node")
    )
    root_row = next((r for r in node_rows if r.node.depth == 0), None)
    rows = program_rows(as_of=as_of, fiscal_year=fiscal_year, only_year=only_year)
    pillars: list[PillarCard] = []
    if ministry is not None:
        rows = rows.filter(program__ministry=ministry)
        mix = _mix_from_programs(rows)
        node_row = None
        total_won = mix.total_won
    elif pillar is not None:
        rows = rows.filter(subtree_q(pillar))
        node_row = next((r for r in node_rows if r.node_id == pillar.pk), None)
        mix = _mix_from_node(node_row)
        total_won = pillar.amount_won
    else:
        node_row = root_row
        mix = _mix_from_node(root_row)
        total_won = root_row.node.amount_won if root_row else 0
        pillars = [
            PillarCard(r.node, r, _mix_from_node(r))
            for r in sorted(node_rows, key=lambda r: r.node.path)
            if r.node.depth == 1
        ]
    reporting = _total(
        reporting_by_ministry(
            as_of=as_of, fiscal_year=fiscal_year, ministry=ministry, node=pillar
        ).values()
    )
    return BoardPage(
        as_of=as_of,
        fiscal_year=fiscal_year,
        scope_node=pillar,
        scope_ministry=ministry,
        total_won=total_won,
        mix=mix,
        node_row=node_row,
        pillars=pillars,
        attention=attention(rows, as_of=as_of, limit=attention_limit),
        reporting=reporting,
        periods=current_periods(as_of),
    )


# --------------------------------------------------------------------------------------------
# Ministries


@dataclass
class MinistryLine:
    ministry: Ministry
    reporting: ReportingStats
    mix: StatusMix


def ministry_lines(*, as_of: date, fiscal_year: FiscalYear) -> list[MinistryLine]:
    """Every ministry with programmes in the fiscal year: reporting and status mix (two queries
    and the reporting figures: cached, see :func:`_reporting_query`)."""
    reporting = reporting_by_ministry(as_of=as_of, fiscal_year=fiscal_year)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    amounts: dict[int, dict[str, int]] = defaultdict(dict)
    for r in (
        ProgramStatus.objects.filter(as_of=as_of, program__node__fiscal_year=fiscal_year)
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
    query and the reporting rows: cached, see :func:`_reporting_query`)."""
    rows = [
        r
        for r in reporting_rows(as_of=as_of, fiscal_year=fiscal_year, ministry=ministry)
        if r.overdue
    ]
    programs = Program.objects.select_related("node").in_bulk([r.program_id for r in rows])
    out = [OverdueReport(programs[r.program_id], r.current_end, r.due) for r in rows]
    return sorted(out, key=lambda o: (o.due, o.program.node.path))


# --------------------------------------------------------------------------------------------
# Classification (COFOG x AI component)


@dataclass
class Classification:
    cofog: list[tuple[str, int]]
    components: list[tuple[str, int]]
    matrix: list[tuple[str, list[int], int]]
    component_totals: list[int]
    classified_total: int
    budget_total: int


def classification(*, fiscal_year: FiscalYear) -> Classification:
    """The AI budget by COFOG division, by AI component, and crossed (one query).

    Money is counted where it is stated most specifically: each node's own money is its amount
    minus what its children state (``kpis.rules.program_own_amounts`` with every node counted),
    classified by the node's own division/component, else its nearest ancestor's ("" =
    unclassified). Where children state more than their parent (reconciliation reports it) the sum
    exceeds the budget total; both are shown."""
    from budget.models import COFOG, AIComponent

    nodes: list[dict[str, Any]] = [
        dict(n)
        for n in BudgetNode.objects.filter(fiscal_year=fiscal_year)
        .order_by("path")
        .values("id", "code", "parent_id", "amount_won", "cofog", "ai_component", "depth")
    ]
    by_id = {n["id"]: n for n in nodes}
    own = rules.program_own_amounts(
        [
            (
                n["code"],
                by_id[n["parent_id"]]["code"] if n["parent_id"] in by_id else None,
                n["amount_won"],
                Status.NOT_STARTED,
            )
            for n in nodes
        ]
    )

    def effective(n: dict[str, Any], key: str) -> str:
        while n is not None:
            if n[key]:
                return str(n[key])
            n = by_id.get(n["parent_id"])  # type: ignore[assignment]
        return ""

    cofog_keys = [c for c in COFOG.values] + [""]
    comp_keys = [c for c in AIComponent.values] + [""]
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for n in nodes:
        cells[(effective(n, "cofog"), effective(n, "ai_component"))] += own.get(n["code"], 0)
    matrix = [
        (c, [cells[(c, k)] for k in comp_keys], sum(cells[(c, k)] for k in comp_keys))
        for c in cofog_keys
    ]
    comp_totals = [sum(cells[(c, k)] for c in cofog_keys) for k in comp_keys]
    root_total = sum(n["amount_won"] for n in nodes if n["parent_id"] is None)
    return Classification(
        cofog=[(c, total) for c, _, total in matrix],
        components=list(zip(comp_keys, comp_totals, strict=True)),
        matrix=matrix,
        component_totals=comp_totals,
        classified_total=sum(comp_totals),
        budget_total=root_total,
    )


# --------------------------------------------------------------------------------------------
# One programme


@dataclass
class KPIView:
    kpi: KPI
    row: KPIStatus | None
    history: list[KPIStatus]
    version: rules.TargetVersion
    target_text: str


@dataclass
class StatusChange:
    row: ProgramStatus
    change: str  # "better" | "worse" | "same" | "first"


@dataclass
class ProgramDetail:
    program: Program
    row: ProgramStatus | None
    kpis: list[KPIView]
    reports: list[ProgressReport]
    history: list[StatusChange]
    budget_history: list[ProgramStatus]
    pillar: BudgetNode | None
    area: BudgetNode | None


def _changes(rows: Sequence[ProgramStatus]) -> list[StatusChange]:
    out: list[StatusChange] = []
    previous: ProgramStatus | None = None
    for row in rows:
        if previous is None:
            change = "first"
        else:
            before, after = SEVERITY.get(previous.status, 99), SEVERITY.get(row.status, 99)
            # not_started is last in display order but is not "better" than a status with data
            if row.status == previous.status:
                change = "same"
            elif Status.NOT_STARTED in (row.status, previous.status):
                change = "changed"
            else:
                change = "better" if after > before else "worse"
        out.append(StatusChange(row, change))
        previous = row
    return out


def program_detail(*, code: str, as_of: date, fiscal_year: FiscalYear) -> ProgramDetail | None:
    """One programme as of a date (nine queries)."""
    program = (
        Program.objects.select_related("node", "ministry", "node__fiscal_year")
        .filter(node__code=code, node__fiscal_year=fiscal_year)
        .first()
    )
    if program is None:
        return None
    tree = board_tree(fiscal_year)
    history = list(
        ProgramStatus.objects.filter(program=program, as_of__lte=as_of).order_by("as_of")
    )
    row = next((h for h in history if h.as_of == as_of), None)
    kpis = list(
        KPI.objects.filter(program=program)
        .prefetch_related("milestones", "revisions")
        .order_by("position", "code")
    )
    kpi_history: dict[int, list[KPIStatus]] = defaultdict(list)
    for k in KPIStatus.objects.filter(kpi__program=program, as_of__lte=as_of).order_by("as_of"):
        kpi_history[k.kpi_id].append(k)
    views = []
    for kpi in kpis:
        in_force = kpi_target_as_of(kpi, as_of, revisions=list(kpi.revisions.all()))
        version = rules.TargetVersion(
            target=in_force.target,
            target_date=in_force.target_date,
            baseline=in_force.baseline,
            milestones=tuple(rules.Milestone(d, v) for d, v in in_force.milestones),
        )
        rows = kpi_history.get(kpi.pk, [])
        current = next((r for r in rows if r.as_of == as_of), None)
        views.append(KPIView(kpi, current, rows, version, kpi.target_text))
    reports = list(
        ProgressReport.objects.filter(program=program)
        .select_related("submitted_by", "reviewed_by")
        .order_by("-period_end", "-revision")
    )
    changes = [c for c in _changes(history) if c.change != "same"]
    if history and (not changes or changes[-1].row is not history[-1]):
        changes.append(StatusChange(history[-1], "same"))
    return ProgramDetail(
        program=program,
        row=row,
        kpis=views,
        reports=reports,
        history=list(reversed(changes)),
        budget_history=[h for h in history if h.budget_assessed_at is not None],
        pillar=tree.pillar_of(program.node.path),
        area=tree.area_of(program.node.path),
    )
