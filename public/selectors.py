"""What the public page and its open data show: approved figures only.

Read from the budget tree of the fiscal year of today (``budget.selectors.fiscal_year_of``), the
programmes it funds, their KPIs, the approved revisions that count (``ProgressReport.is_current``:
approved, the latest of their period) and their values, and the stored statuses (computed by the
status engine from approved values only). Nothing else is read: no user, no narrative, no
reviewer's comment, no shortfall text, no evidence, no draft, submitted or returned report.

Everything is plain data (dataclasses of strings, numbers and dates, no model instances), cached
under the boards' data version (``boards.cache``: a trigger on every table read here moves it
on), so a repeated request reads one row (the version) and nothing else. Eight queries on a miss.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from boards import cache as board_cache
from budget.formatting import share_of, unit_decimals
from budget.models import BudgetNode, FiscalYear
from budget.selectors import pick_fiscal_year
from kpis.models import KPI, MONEY_UNITS
from reporting.models import KPIValue, ProgressReport, ReportStatus
from status.models import KPIStatus, NodeStatus, ProgramStatus
from status.rules import actual_so_far

# Part of the cache key: bump when the shape of the cached data changes.
SHAPE = 1


@dataclass(frozen=True)
class Named:
    """Anything with a code and a name in both languages (for the ``local_name`` filter)."""

    code: str
    name: str
    name_ko: str


@dataclass
class PublicKPI:
    code: str
    name: str
    name_ko: str
    unit: str
    kind: str
    direction: str
    baseline: Decimal
    target: Decimal
    target_text: str
    target_date: date
    decimals: int | None
    # The actual so far by the KPI's kind (running total, latest value or the year's total), from
    # approved values only; None when no approved value exists (and, for a level KPI, ever).
    actual: Decimal | None = None
    # The value of the latest approved period and that period.
    latest_value: Decimal | None = None
    period_start: date | None = None
    period_end: date | None = None
    status: str = ""  # the stored status (``status.models.Status``), "" when none is stored

    @property
    def value_decimals(self) -> int:
        return self.decimals if self.decimals is not None else unit_decimals(self.unit)

    @property
    def is_money(self) -> bool:
        return self.unit.strip().lower() in MONEY_UNITS

    @property
    def has_value(self) -> bool:
        return self.period_end is not None


@dataclass
class PublicProgram:
    code: str
    name: str
    name_ko: str
    ministry: Named
    pillar: Named | None
    start: date
    end: date
    allocated_won: int
    # Approved execution in periods ending in the fiscal year; None without an approved report.
    executed_won: int | None
    last_period_end: date | None  # the end of its latest approved period, any year
    status: str
    kpis: list[PublicKPI] = field(default_factory=list)

    @property
    def execution_rate(self) -> Decimal | None:
        if self.executed_won is None:
            return None
        return share_of(self.executed_won, self.allocated_won)

    @property
    def kpis_with_values(self) -> int:
        return sum(1 for kpi in self.kpis if kpi.has_value)


@dataclass
class PublicPillar:
    code: str
    name: str
    name_ko: str
    amount_won: int
    share: Decimal | None
    programs: list[PublicProgram]

    @property
    def executed_won(self) -> int:
        return sum(p.executed_won or 0 for p in self.programs)

    @property
    def execution_rate(self) -> Decimal | None:
        return share_of(self.executed_won, self.amount_won)


@dataclass
class PublicOverview:
    year: int
    title: str
    title_ko: str
    total_won: int
    pillars: list[PublicPillar]
    figures_as_of: date | None  # the end of the latest approved period of any programme
    status_as_of: date | None  # the date of the stored statuses shown, None when none fits

    @property
    def programs(self) -> list[PublicProgram]:
        return [program for pillar in self.pillars for program in pillar.programs]

    @property
    def kpis(self) -> list[PublicKPI]:
        return [kpi for program in self.programs for kpi in program.kpis]

    @property
    def kpis_reported(self) -> int:
        return sum(1 for kpi in self.kpis if kpi.has_value)

    @property
    def executed_won(self) -> int:
        return sum(pillar.executed_won for pillar in self.pillars)

    @property
    def execution_rate(self) -> Decimal | None:
        return share_of(self.executed_won, self.total_won)

    @property
    def kpi_status_counts(self) -> list[tuple[str, int]]:
        """(status, number of KPIs) in the order of the statuses, those with none left out."""
        counts: dict[str, int] = defaultdict(int)
        for kpi in self.kpis:
            counts[kpi.status or "no_data"] += 1
        order = ["achieved", "on_track", "at_risk", "off_track", "no_data", "not_started"]
        return [(s, counts[s]) for s in order if counts[s]]

    def program(self, code: str) -> PublicProgram | None:
        return next((p for p in self.programs if p.code == code), None)


def public_overview(today: date) -> PublicOverview | None:
    """The public figures as of ``today`` (cached under the data version), or ``None`` when no
    budget is loaded."""
    return board_cache.cached("public-overview", (SHAPE, today.isoformat()), lambda: _build(today))


def _pillar_of(nodes: dict[int, BudgetNode], node: BudgetNode) -> BudgetNode | None:
    """The ancestor of ``node`` just below a root (the node itself when it is one)."""
    seen: set[int] = set()
    current = node
    while current.parent_id is not None and current.parent_id in nodes:
        parent = nodes[current.parent_id]
        if parent.parent_id is None or parent.parent_id not in nodes:
            return current
        if current.pk in seen:
            return None
        seen.add(current.pk)
        current = parent
    return None


def _build(today: date) -> PublicOverview | None:
    years = list(FiscalYear.objects.all())
    year = pick_fiscal_year(years, today)
    if year is None:
        return None
    nodes = {
        node.pk: node
        for node in BudgetNode.objects.filter(fiscal_year=year)
        .select_related("program__ministry")
        .order_by("path", "position", "code")
    }
    roots = [n for n in nodes.values() if n.parent_id is None or n.parent_id not in nodes]
    total = sum(n.amount_won for n in roots)
    funded = [n for n in nodes.values() if n.program_id is not None]
    program_ids = [n.program_id for n in funded]

    kpis_by_program: dict[int, list[tuple[int, PublicKPI]]] = defaultdict(list)
    kpi_rows = KPI.objects.filter(program_id__in=program_ids).order_by(
        "program_id", "position", "code"
    )
    kind_by_id: dict[int, tuple[str, Decimal]] = {}
    kpi_by_id: dict[int, PublicKPI] = {}
    for kpi in kpi_rows:
        public_kpi = PublicKPI(
            code=kpi.code,
            name=kpi.name,
            name_ko=kpi.name_ko,
            unit=kpi.unit,
            kind=kpi.kind,
            direction=kpi.direction,
            baseline=kpi.baseline,
            target=kpi.target,
            target_text=kpi.target_text,
            target_date=kpi.target_date,
            decimals=kpi.decimals,
        )
        kpis_by_program[kpi.program_id].append((kpi.pk, public_kpi))
        kind_by_id[kpi.pk] = (kpi.kind, kpi.baseline)
        kpi_by_id[kpi.pk] = public_kpi

    # The approved revisions that count (the constraint makes them approved; said again here).
    counted = ProgressReport.objects.filter(
        program_id__in=program_ids,
        is_current=True,
        status=ReportStatus.APPROVED,
        period_end__lte=today,
    )
    executed: dict[int, int | None] = {}
    last_end: dict[int, date] = {}
    for program_id, end, won in counted.values_list("program_id", "period_end", "executed_won"):
        last_end[program_id] = max(end, last_end.get(program_id, end))
        if end.year == year.year:
            executed[program_id] = (executed.get(program_id) or 0) + (won or 0)

    values: dict[int, list[tuple[date, date, Decimal]]] = defaultdict(list)
    for kpi_id, start, end, value in (
        KPIValue.objects.filter(report__in=counted)
        .order_by("report__period_end")
        .values_list("kpi_id", "report__period_start", "report__period_end", "value")
    ):
        values[kpi_id].append((start, end, value))
    for kpi_id, rows in values.items():
        found = kpi_by_id.get(kpi_id)
        if found is None:
            continue
        kind, baseline = kind_by_id[kpi_id]
        start, end, value = rows[-1]
        found.actual = actual_so_far(kind, baseline, [(e, v) for _, e, v in rows])
        found.latest_value, found.period_start, found.period_end = value, start, end

    status_day = _status_day(years, year, today)
    program_status: dict[int, str] = {}
    if status_day is not None:
        program_status = dict(
            ProgramStatus.objects.filter(as_of=status_day, program_id__in=program_ids).values_list(
                "program_id", "status"
            )
        )
        for kpi_id, status in KPIStatus.objects.filter(
            as_of=status_day, kpi_id__in=list(kpi_by_id)
        ).values_list("kpi_id", "status"):
            kpi_by_id[kpi_id].status = status

    pillars: dict[int, PublicPillar] = {}
    for root in roots:
        for node in nodes.values():
            if node.parent_id == root.pk:
                pillars[node.pk] = PublicPillar(
                    code=node.code,
                    name=node.name,
                    name_ko=node.name_ko,
                    amount_won=node.amount_won,
                    share=share_of(node.amount_won, total),
                    programs=[],
                )
    for node in funded:
        program = node.program
        assert program is not None
        pillar_node = _pillar_of(nodes, node)
        pillar = pillars.get(pillar_node.pk) if pillar_node is not None else None
        item = PublicProgram(
            code=program.code,
            name=program.name,
            name_ko=program.name_ko,
            ministry=Named(program.ministry.code, program.ministry.name, program.ministry.name_ko),
            pillar=Named(pillar.code, pillar.name, pillar.name_ko) if pillar else None,
            start=program.start,
            end=program.end,
            allocated_won=node.amount_won,
            executed_won=executed.get(program.pk),
            last_period_end=last_end.get(program.pk),
            status=program_status.get(program.pk, ""),
            kpis=[k for _, k in kpis_by_program.get(program.pk, [])],
        )
        if pillar is None:  # a programme directly under a root: a pillar of its own
            pillar = pillars.setdefault(
                node.pk,
                PublicPillar(
                    code=node.code,
                    name=node.name,
                    name_ko=node.name_ko,
                    amount_won=node.amount_won,
                    share=share_of(node.amount_won, total),
                    programs=[],
                ),
            )
            item.pillar = Named(pillar.code, pillar.name, pillar.name_ko)
        pillar.programs.append(item)
    return PublicOverview(
        year=year.year,
        title=year.title,
        title_ko=year.title_ko,
        total_won=total,
        pillars=list(pillars.values()),
        figures_as_of=max(last_end.values(), default=None),
        status_as_of=status_day,
    )


def _status_day(years: list[FiscalYear], year: FiscalYear, today: date) -> date | None:
    """The latest date on or before ``today`` with stored statuses, when they hold ``year``'s
    budget (stored statuses of a date hold the budget of the year the date is read in); else
    None. Nothing is computed for a public request."""
    day = (
        NodeStatus.objects.filter(node__parent__isnull=True, as_of__lte=today)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )
    if day is None:
        return None
    read_in = pick_fiscal_year(years, day)
    return day if read_in is not None and read_in.pk == year.pk else None
