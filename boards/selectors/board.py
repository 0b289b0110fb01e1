"""The board (``/``), the pillar and ministry boards and the briefing: headline money, the status
mix, the pillar cards, reporting, and the programmes needing attention."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import (
    Q,
    QuerySet,
)

from boards.selectors.common import (
    ATTENTION_LIMIT,
    ATTENTION_STATUSES,
    SEVERITY,
    approvals_known_by,
    coverage,
    own_amounts,
    subtree_q,
)
from boards.selectors.mix import StatusMix, mix_from_node, mix_from_rows
from boards.selectors.programs_table import attention_q, program_rows
from boards.selectors.reporting import ReportingStats, current_periods, reporting_by_ministry, total
from boards.selectors.unfunded import unfunded_rows
from budget.models import BudgetNode, FiscalYear, Ministry
from budget.reconciliation import Coverage
from programs.periods import Period
from results.figures import Summary
from results.headline import achievement_headline
from status.models import KPIStatus, NodeStatus, ProgramStatus, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


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
    # The programmes' own money (``common.own_amounts``): a programme within another, both
    # needing attention, is not counted twice.
    amount_won: int


def attention(
    rows: QuerySet[ProgramStatus], *, as_of: date, limit: int | None, own: dict[int, int]
) -> Attention:
    """The programmes needing attention, most money first, each with the KPIs that explain why
    (three queries)."""
    # One narrow query orders every row needing attention in the database and gives the ids of
    # all of them (two integers a row: their count and own money are summed here); then only
    # the rows shown are loaded whole.
    narrow = (
        rows.filter(attention_q(as_of))
        .order_by("-allocated_won", "node__path")
        .values_list("pk", "program_id")
    )
    every = list(narrow)
    shown = every[:limit] if limit else every
    count = len(every)
    amount = sum(own.get(program_id, 0) for _pk, program_id in every)
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


@dataclass
class PillarCard:
    node: BudgetNode
    row: NodeStatus | None
    mix: StatusMix
    achievement: Summary | None = None  # the pillar's KPIs achieved in the fiscal year


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
    # The stated amount against the programmes' money (whole budget and pillars; None for a
    # ministry, which has no stated amount of its own).
    coverage: Coverage | None = None
    # The share of the scope's KPIs in force in the fiscal year that achieved their year target
    # (results.headline: approved values as they stand today).
    achievement: Summary | None = None
    # Programmes with a KPI in force in the year but no money in it (none for a pillar's board:
    # they are outside the year's tree).
    unfunded: list[ProgramStatus] = field(default_factory=list)

    @property
    def known_by(self) -> date:
        """The date whose approvals every figure of the page counts."""
        return self.reporting.known_by or self.as_of


def board_page(
    *,
    as_of: date,
    fiscal_year: FiscalYear,
    pillar: BudgetNode | None = None,
    ministry: Ministry | None = None,
    attention_limit: int | None = ATTENTION_LIMIT,
    only_year: bool = False,
) -> BoardPage:
    """The board for the whole budget, one pillar (``pillar``) or one ministry (``ministry``);
    with the programmes the year does not fund though a KPI of theirs is in force in it."""
    node_rows = list(
        NodeStatus.objects.filter(
            as_of=as_of, node__fiscal_year=fiscal_year, node__depth__lte=1
        ).select_related("node")
    )
    root_row = next((r for r in node_rows if r.node.depth == 0), None)
    # Every figure counts the approvals the stored statuses counted (``approvals_known_by``).
    known_by = approvals_known_by(as_of, root_row.computed_at if root_row else None)
    own = own_amounts(fiscal_year)
    rows = program_rows(as_of=as_of, fiscal_year=fiscal_year, only_year=only_year)
    pillars: list[PillarCard] = []
    money: Coverage | None = None
    if ministry is not None:
        rows = rows.filter(program__ministry=ministry)
        mix = mix_from_rows(rows.order_by().values_list("program_id", "status"), own)
        node_row = None
        total_won = mix.total_won
    elif pillar is not None:
        rows = rows.filter(subtree_q(pillar))
        node_row = next((r for r in node_rows if r.node_id == pillar.pk), None)
        mix = mix_from_node(node_row)
        total_won = pillar.amount_won
        money = coverage(fiscal_year, pillar)
    else:
        node_row = root_row
        mix = mix_from_node(root_row)
        total_won = root_row.node.amount_won if root_row else 0
        money = coverage(fiscal_year, root_row.node) if root_row else None
        pillars = [
            PillarCard(r.node, r, mix_from_node(r))
            for r in sorted(node_rows, key=lambda r: r.node.path)
            if r.node.depth == 1
        ]
    headline = achievement_headline(year=fiscal_year.year)
    if ministry is not None:
        achievement = headline.of_ministry(ministry.pk)
    elif pillar is not None:
        achievement = headline.of_pillar(pillar.path)
    else:
        achievement = headline.overall
    for card in pillars:
        card.achievement = headline.of_pillar(card.node.path)
    reporting = total(
        reporting_by_ministry(
            as_of=as_of, fiscal_year=fiscal_year, ministry=ministry, node=pillar, known_by=known_by
        ).values(),
        known_by=known_by,
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
        attention=attention(rows, as_of=as_of, limit=attention_limit, own=own),
        reporting=reporting,
        periods=current_periods(as_of),
        coverage=money,
        achievement=achievement,
        unfunded=[]
        if pillar is not None
        else unfunded_rows(as_of=as_of, fiscal_year=fiscal_year, ministry=ministry),
    )
